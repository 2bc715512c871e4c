"""Stateless sessions (`lazy`): the token is the session. A request costs a denylist check
and a read of the user's stored configuration; no session record is read or written."""

from __future__ import annotations

import math
from collections.abc import Awaitable, Callable
from typing import Any

from dreamjobsearch.sessions.stores.base import SessionRecord
from dreamjobsearch.sessions.stores.stateless import StatelessSessionStore
from dreamjobsearch.sessions.strategies.base import SessionKey

# The user's email and stored workspace configuration; None when the account is gone or
# disabled (its tokens then stop working).
UserLoader = Callable[[int], Awaitable[tuple[str, dict[str, Any]] | None]]


class StatelessStrategy:
    """`SessionStrategy` from the token alone, ended through the store's denylist. Uses are
    not recorded, so sessions have no idle timeout; workspaces are built for each request
    from the user's stored configuration."""

    keeps_workspaces = False
    idle_timeout = math.inf

    def __init__(self, store: StatelessSessionStore, load_user: UserLoader) -> None:
        self._store = store
        self._load_user = load_user

    async def find(self, key: SessionKey, now: float) -> SessionRecord | None:
        """A record made from the token and the user's stored configuration, unless the
        token expired, the session was ended or the account is gone."""
        if not await self.is_alive(key, now):
            return None
        loaded = await self._load_user(key.user_id)
        if loaded is None:
            return None
        email, config = loaded
        return SessionRecord(
            sid=key.sid,
            user_id=key.user_id,
            email=email,
            created_at=key.issued_at,
            last_accessed=now,
            expires_at=key.expires_at,
            data=config,
        )

    async def record_use(self, record: SessionRecord, now: float) -> None:
        """Nothing: uses are not recorded."""

    async def is_alive(self, key: SessionKey, now: float) -> bool:
        """Whether the token has not expired and its session was not ended."""
        return key.expires_at > now and not await self._store.is_revoked(key.sid)
