"""Session policy for the stateless store (`lazy`): a request costs a denylist check and a read
of the user's stored configuration; no session record is read or written and no workspace is
kept.
"""

from __future__ import annotations

import math
from collections.abc import Awaitable, Callable
from typing import Any

from dreamjobsearch.clock import Clock
from dreamjobsearch.events.base import EventBus
from dreamjobsearch.sessions.manager import (
    ActiveSession,
    SessionKey,
    SessionManager,
    SessionPolicy,
    W,
    WorkspaceFactory,
)
from dreamjobsearch.sessions.stores.base import SessionRecord
from dreamjobsearch.sessions.stores.stateless import StatelessSessionStore

# The user's email and stored workspace configuration; None when the account is gone or
# disabled (its tokens then stop working).
UserLoader = Callable[[int], Awaitable[tuple[str, dict[str, Any]] | None]]


class StatelessSessionManager(SessionManager[W]):
    """Resolves sessions from the token alone; ends them through the store's denylist.

    Logins, limits, listing, ending and sweeping are the base manager's, over the store's
    ledger. Uses are not recorded, so sessions have no idle timeout.
    """

    keeps_workspaces = False

    def __init__(
        self,
        store: StatelessSessionStore,
        policy: SessionPolicy,
        clock: Clock,
        bus: EventBus,
        workspace_factory: WorkspaceFactory[W],
        load_user: UserLoader,
        shared: tuple[object, ...] = (),
    ) -> None:
        super().__init__(store, policy, clock, bus, workspace_factory, shared)
        self._stateless_store = store
        self._load_user = load_user
        self._idle_timeout = math.inf

    async def resolve(self, key: SessionKey) -> ActiveSession[W] | None:
        """A fresh workspace from the user's stored configuration, unless the session ended."""
        now = self._clock.now()
        if key.expires_at <= now or await self._stateless_store.is_revoked(key.sid):
            return None
        loaded = await self._load_user(key.user_id)
        if loaded is None:
            return None
        email, config = loaded
        record = SessionRecord(
            sid=key.sid,
            user_id=key.user_id,
            email=email,
            created_at=key.issued_at,
            last_accessed=now,
            expires_at=key.expires_at,
            data=config,
        )
        workspace = self._workspace_factory(key.user_id, email, config)
        return ActiveSession(record, workspace, key)

    async def is_alive(self, key: SessionKey) -> bool:
        """Whether the token has not expired and its session was not ended."""
        if key.expires_at <= self._clock.now():
            return False
        return not await self._stateless_store.is_revoked(key.sid)
