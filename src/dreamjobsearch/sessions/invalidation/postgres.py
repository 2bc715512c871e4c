"""The channel over PostgreSQL `LISTEN`/`NOTIFY`, for sessions (and the stateless store's
denylist) kept in PostgreSQL.

The listener holds one psycopg connection of its own (autocommit, named so that
`pg_stat_activity` shows it), idle but for the notifications, and checks it with a
`SELECT 1` after a few quiet seconds. Notifications go out with `pg_notify` through the
app's engine; PostgreSQL delivers them to the listeners of the same database only.
"""

from __future__ import annotations

from collections.abc import Sequence

import psycopg
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from dreamjobsearch.sessions.invalidation.base import FIRST_RECONNECT_DELAY, ListeningChannel

CHANNEL = "dreamjob_sessions_ended"
APPLICATION_NAME = "dreamjob session invalidation"
CONNECT_TIMEOUT = 5
# Quiet seconds before the connection is checked.
CHECK_AFTER = 5.0
# Sids per notification (a payload must stay under 8000 bytes; a sid is 64 characters).
BATCH = 100
_NOTIFY = text("SELECT pg_notify(:channel, :payload)")


class PostgresInvalidationChannel(ListeningChannel):
    """`InvalidationChannel` on the PostgreSQL channel `dreamjob_sessions_ended`."""

    name = "session invalidation channel (PostgreSQL)"

    def __init__(self, engine: AsyncEngine, reconnect_delay: float = FIRST_RECONNECT_DELAY) -> None:
        super().__init__(reconnect_delay)
        self._engine = engine
        # The engine's own address, as libpq takes it.
        self._conninfo = (
            make_url(engine.url).set(drivername="postgresql").render_as_string(hide_password=False)
        )

    async def publish(self, sids: Sequence[str]) -> None:
        """Notify every listener of the database (in batches, in one transaction)."""
        async with self._engine.begin() as connection:
            for start in range(0, len(sids), BATCH):
                payload = " ".join(sids[start : start + BATCH])
                await connection.execute(_NOTIFY, {"channel": CHANNEL, "payload": payload})

    async def _listen(self) -> None:
        async with await psycopg.AsyncConnection.connect(
            self._conninfo,
            autocommit=True,
            connect_timeout=CONNECT_TIMEOUT,
            application_name=APPLICATION_NAME,
        ) as connection:
            await connection.execute(f"LISTEN {CHANNEL}")
            self._subscribed()
            while True:
                async for notification in connection.notifies(timeout=CHECK_AFTER):
                    self._deliver(notification.payload.split())
                await connection.execute("SELECT 1")
