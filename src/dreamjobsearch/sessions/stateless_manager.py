"""Session policy for the stateless store (`lazy`): a request costs a denylist check and a read
of the account (still active, its email); no session record is read or written.

The user's workspace comes from the process's workspace pool, as for the other stores: what
it holds is checked against the database by the requests that use it, so reusing it between
stateless requests is as correct as rebuilding it, and keeps the ranking index warm.
"""

from __future__ import annotations

import math
from collections.abc import Awaitable, Callable

from dreamjobsearch.clock import Clock
from dreamjobsearch.events.base import EventBus
from dreamjobsearch.sessions.manager import (
    ActiveSession,
    SessionKey,
    SessionManager,
    SessionPolicy,
    W,
)
from dreamjobsearch.sessions.stores.base import SessionRecord
from dreamjobsearch.sessions.stores.stateless import StatelessSessionStore
from dreamjobsearch.sessions.workspaces import WorkspaceSource

# The user's email; None when the account is gone or disabled (its tokens then stop working).
UserLoader = Callable[[int], Awaitable[str | None]]


class StatelessSessionManager(SessionManager[W]):
    """Resolves sessions from the token alone; ends them through the store's denylist.

    Logins, limits, listing, ending and sweeping are the base manager's, over the store's
    ledger. Uses are not recorded, so sessions have no idle timeout.
    """

    def __init__(
        self,
        store: StatelessSessionStore,
        policy: SessionPolicy,
        clock: Clock,
        bus: EventBus,
        workspaces: WorkspaceSource[W],
        load_user: UserLoader,
        shared: tuple[object, ...] = (),
    ) -> None:
        super().__init__(store, policy, clock, bus, workspaces, shared)
        self._stateless_store = store
        self._load_user = load_user
        self._idle_timeout = math.inf

    async def resolve(self, key: SessionKey) -> ActiveSession[W] | None:
        """The session from its token, with the user's workspace, unless the session ended."""
        now = self._clock.now()
        if key.expires_at <= now or await self._stateless_store.is_revoked(key.sid):
            return None
        email = await self._load_user(key.user_id)
        if email is None:
            return None
        record = SessionRecord(
            sid=key.sid,
            user_id=key.user_id,
            email=email,
            created_at=key.issued_at,
            last_accessed=now,
            expires_at=key.expires_at,
        )
        return ActiveSession(record, self._workspaces.acquire(key.user_id, email, key.sid), key)

    async def is_alive(self, key: SessionKey) -> bool:
        """Whether the token has not expired and its session was not ended."""
        if key.expires_at <= self._clock.now():
            return False
        return not await self._stateless_store.is_revoked(key.sid)
