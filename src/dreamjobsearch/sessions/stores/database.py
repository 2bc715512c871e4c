"""Sessions in the database (SQLite or PostgreSQL): they survive restarts and are shared by
every process on the same database.

Reads are one indexed lookup. `last_accessed` is written at most once per `touch_interval`
seconds per session (the idle timeout may therefore run up to that much late), so a busy
session does not turn every request into a write.
"""

from __future__ import annotations

import builtins

from sqlalchemy import bindparam, delete, func, insert, or_, select, update
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncEngine

from dreamjobsearch.sessions.stores.base import SessionRecord
from dreamjobsearch.sessions.stores.touches import TouchThrottle
from dreamjobsearch.storage.models import SessionRow

_COLUMNS = (
    SessionRow.sid,
    SessionRow.user_id,
    SessionRow.email,
    SessionRow.created_at,
    SessionRow.last_accessed,
    SessionRow.expires_at,
    SessionRow.device,
)
_SELECT_ONE = select(*_COLUMNS).where(SessionRow.sid == bindparam("sid"))


class DatabaseSessionStore:
    """`SessionStore` over the `sessions` table, in SQLAlchemy Core: a request's read is one
    statement on a pooled connection, with no ORM session around it."""

    def __init__(self, engine: AsyncEngine, touch_interval: float) -> None:
        self._engine = engine
        # A single read needs no transaction: in autocommit, PostgreSQL is spared the BEGIN
        # and ROLLBACK round trips around it (same pool). SQLite has no round trips to
        # spare, and switching its connections' mode back and forth costs more than it saves.
        postgres = engine.dialect.name == "postgresql"
        self._reader = (
            engine.execution_options(isolation_level="AUTOCOMMIT") if postgres else engine
        )
        self._touches = TouchThrottle(touch_interval)

    async def create(self, record: SessionRecord) -> None:
        """Insert a new session."""
        async with self._engine.begin() as connection:
            await connection.execute(
                insert(SessionRow).values(
                    sid=record.sid,
                    user_id=record.user_id,
                    email=record.email,
                    created_at=record.created_at,
                    last_accessed=record.last_accessed,
                    expires_at=record.expires_at,
                    device=record.device,
                )
            )
        self._touches.written(record.sid, record.last_accessed)

    async def get(self, sid: str) -> SessionRecord | None:
        """The session row, if there is one (this runs on every authenticated request)."""
        async with self._reader.connect() as connection:
            row = (await connection.execute(_SELECT_ONE, {"sid": sid})).first()
        return _record(row) if row is not None else None

    async def touch(self, sid: str, now: float, record: SessionRecord | None = None) -> None:
        """Write `last_accessed`, unless this process wrote it less than an interval ago."""
        if not self._touches.due(sid, now):
            return
        async with self._engine.begin() as connection:
            await connection.execute(
                update(SessionRow).where(SessionRow.sid == sid).values(last_accessed=now)
            )
        self._touches.written(sid, now)

    async def delete(self, sid: str) -> bool:
        """Delete one session."""
        self._touches.forget(sid)
        async with self._engine.begin() as connection:
            result = await connection.execute(
                delete(SessionRow).where(SessionRow.sid == sid).returning(SessionRow.sid)
            )
            return result.first() is not None

    async def delete_user(self, user_id: int) -> builtins.list[str]:
        """Delete every session of a user."""
        async with self._engine.begin() as connection:
            result = await connection.execute(
                delete(SessionRow).where(SessionRow.user_id == user_id).returning(SessionRow.sid)
            )
            sids = list(result.scalars())
        self._touches.forget(*sids)
        return sids

    async def list(
        self, user_id: int | None = None, limit: int | None = None
    ) -> builtins.list[SessionRecord]:
        """Sessions, least recently used first."""
        statement = select(*_COLUMNS).order_by(SessionRow.last_accessed, SessionRow.sid)
        if user_id is not None:
            statement = statement.where(SessionRow.user_id == user_id)
        if limit is not None:
            statement = statement.limit(limit)
        async with self._engine.connect() as connection:
            rows = (await connection.execute(statement)).all()
        return [_record(row) for row in rows]

    async def count(self, user_id: int | None = None) -> int:
        """How many sessions are stored."""
        statement = select(func.count()).select_from(SessionRow)
        if user_id is not None:
            statement = statement.where(SessionRow.user_id == user_id)
        async with self._engine.connect() as connection:
            return int((await connection.execute(statement)).scalar_one())

    async def purge_expired(self, now: float, idle_timeout: float) -> builtins.list[str]:
        """Delete every expired session."""
        async with self._engine.begin() as connection:
            result = await connection.execute(
                delete(SessionRow)
                .where(
                    or_(
                        SessionRow.expires_at <= now,
                        SessionRow.last_accessed <= now - idle_timeout,
                    )
                )
                .returning(SessionRow.sid)
            )
            sids = list(result.scalars())
        self._touches.forget(*sids)
        return sids


def _record(row: Row[str, int, str, float, float, float, str]) -> SessionRecord:
    return SessionRecord(
        sid=row.sid,
        user_id=row.user_id,
        email=row.email,
        created_at=row.created_at,
        last_accessed=row.last_accessed,
        expires_at=row.expires_at,
        device=row.device or "",
    )
