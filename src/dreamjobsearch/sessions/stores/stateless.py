"""The stateless store (`DREAMJOB_SESSION_STORE=lazy`): nothing about a session is read or
written while it is used; each request checks the denylist and that the account is active.

Ending a session lists its id in a denylist (Redis, or the database) until its tokens expire,
and every request checks that list. A ledger of logins (sid, user, times, device)
is written at login and logout only: it is what users and admins list and end, and what the
session limits count. With no record of each use, there is no idle timeout: a session lasts
until its token expires. Expired logins are removed by whichever process sweeps first; with
an invalidation channel, the sweep tells every process, so each lets go of what those
sessions held (their user's workspace).
"""

from __future__ import annotations

import builtins
import math

from dreamjobsearch.clock import Clock
from dreamjobsearch.sessions.denylist.base import Denylist
from dreamjobsearch.sessions.invalidation.base import InvalidationChannel
from dreamjobsearch.sessions.stores.base import SessionRecord, SessionStore


class StatelessSessionStore:
    """`SessionStore` over a login ledger (another store, never touched) and a denylist."""

    def __init__(
        self,
        ledger: SessionStore,
        denylist: Denylist,
        clock: Clock,
        endings: InvalidationChannel | None = None,
    ) -> None:
        self._ledger = ledger
        self._denylist = denylist
        self._clock = clock
        self._endings = endings

    async def create(self, record: SessionRecord) -> None:
        """Note the login in the ledger."""
        await self._ledger.create(record)

    async def get(self, sid: str) -> SessionRecord | None:
        """The ledger entry of the login (requests never ask: they check `is_revoked`)."""
        return await self._ledger.get(sid)

    async def touch(self, sid: str, now: float, record: SessionRecord | None = None) -> None:
        """Nothing: uses are not recorded."""

    async def delete(self, sid: str) -> bool:
        """End the session: deny its tokens first, then drop its ledger entry."""
        record = await self._ledger.get(sid)
        if record is None:
            return False
        await self._denylist.revoke(sid, record.expires_at, self._clock.now())
        return await self._ledger.delete(sid)

    async def delete_user(self, user_id: int) -> builtins.list[str]:
        """End every session of the user."""
        now = self._clock.now()
        for record in await self._ledger.list(user_id):
            await self._denylist.revoke(record.sid, record.expires_at, now)
        return await self._ledger.delete_user(user_id)

    async def list(
        self, user_id: int | None = None, limit: int | None = None
    ) -> builtins.list[SessionRecord]:
        """Logins in the ledger, oldest first (uses are not recorded)."""
        return await self._ledger.list(user_id, limit)

    async def count(self, user_id: int | None = None) -> int:
        """Logins in the ledger."""
        return await self._ledger.count(user_id)

    async def purge_expired(self, now: float, idle_timeout: float) -> builtins.list[str]:
        """Forget expired logins and the denylist entries of expired tokens; tell every
        process which sessions expired."""
        await self._denylist.purge(now)
        sids = await self._ledger.purge_expired(now, math.inf)
        if sids and self._endings is not None:
            await self._endings.publish(sids)
        return sids

    async def is_revoked(self, sid: str) -> bool:
        """Whether the session was ended before its tokens expire."""
        return await self._denylist.is_revoked(sid)
