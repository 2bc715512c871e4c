"""Stateless sessions (`lazy`): the token is the session. A request costs a denylist check
and a read of the account (still active, its email); no session record is read or written.

The user's workspace comes from the process's workspace pool, as for stateful sessions (the
manager's): what it holds is checked against the database by the requests that use it, so
reusing it between stateless requests is as correct as rebuilding it, and keeps the ranking
index warm.
"""

from __future__ import annotations

import math
from collections.abc import Awaitable, Callable

from dreamjobsearch.sessions.stores.base import SessionRecord
from dreamjobsearch.sessions.stores.stateless import StatelessSessionStore
from dreamjobsearch.sessions.strategies.base import SessionKey

# The user's email; None when the account is gone or disabled (its tokens then stop working).
UserLoader = Callable[[int], Awaitable[str | None]]


class StatelessStrategy:
    """`SessionStrategy` from the token alone, ended through the store's denylist. Uses are
    not recorded, so sessions have no idle timeout."""

    idle_timeout = math.inf

    def __init__(self, store: StatelessSessionStore, load_user: UserLoader) -> None:
        self._store = store
        self._load_user = load_user

    async def find(self, key: SessionKey, now: float) -> SessionRecord | None:
        """A record made from the token and the account, unless the token expired, the
        session was ended or the account is gone."""
        if not await self.is_alive(key, now):
            return None
        email = await self._load_user(key.user_id)
        if email is None:
            return None
        return SessionRecord(
            sid=key.sid,
            user_id=key.user_id,
            email=email,
            created_at=key.issued_at,
            last_accessed=now,
            expires_at=key.expires_at,
        )

    async def record_use(self, record: SessionRecord, now: float) -> None:
        """Nothing: uses are not recorded."""

    async def is_alive(self, key: SessionKey, now: float) -> bool:
        """Whether the token has not expired and its session was not ended."""
        return key.expires_at > now and not await self._store.is_revoked(key.sid)
