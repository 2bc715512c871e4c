"""A shared denylist with this process's cache in front, for the stateless store (`lazy`).

A "not revoked" answer is cached until a broadcast says the session ended (or while the
channel is down, not trusted at all); a "revoked" answer never changes back (session ids are
never reused), so it stays until it is the least recently used. Each revocation is broadcast,
so every process's cache forgets its "not revoked".
"""

from __future__ import annotations

from dreamjobsearch.sessions.cache import InvalidatedCache
from dreamjobsearch.sessions.denylist.base import Denylist
from dreamjobsearch.sessions.invalidation.base import InvalidationChannel


class CachedDenylist:
    """`Denylist` over another denylist, checks answered from this process's cache."""

    def __init__(self, denylist: Denylist, channel: InvalidationChannel, size: int) -> None:
        self._denylist = denylist
        self._channel = channel
        self._cache: InvalidatedCache[bool] = InvalidatedCache(size, channel)

    async def revoke(self, sid: str, until: float, now: float) -> None:
        """List the session, forget "not revoked" here and tell every process."""
        await self._denylist.revoke(sid, until, now)
        self._cache.invalidate([sid])
        await self._channel.publish([sid])

    async def is_revoked(self, sid: str) -> bool:
        """The cached answer, or the denylist's, then cached."""
        cached = self._cache.get(sid)
        if cached is not None:
            return cached
        version = self._cache.version()
        revoked = await self._denylist.is_revoked(sid)
        self._cache.put(sid, revoked, version)
        return revoked

    async def purge(self, now: float) -> int:
        """The denylist's purge (cached "revoked" answers belong to expired tokens by then,
        which are refused for their expiry anyway)."""
        return await self._denylist.purge(now)
