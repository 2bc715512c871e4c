"""A shared store with this process's cache in front: a session read costs about what the
memory store costs, and every process still refuses an ended session at once.

Composition, as Django's `cached_db`: any `SessionStore` (database, Redis) behind an
`InvalidatedCache` of its records. Each ending (one session, a user's, the expired ones) is
broadcast on the invalidation channel, so every process's cache forgets it. A cached record
carries its times, so the manager checks expiry as for a stored one, with one exception that
this class handles: a cached record that looks idle too long is read again from the store
first, since another process may have used the session meanwhile. Uses are written through
to the store, whose own throttle keeps them to one write per interval, and recorded on the
cached record at once.
"""

from __future__ import annotations

import builtins

from dreamjobsearch.clock import Clock
from dreamjobsearch.sessions.cache import InvalidatedCache
from dreamjobsearch.sessions.invalidation.base import InvalidationChannel
from dreamjobsearch.sessions.stores.base import SessionRecord, SessionStore


class CachedSessionStore:
    """`SessionStore` over another store, reads answered from this process's cache."""

    def __init__(
        self,
        store: SessionStore,
        channel: InvalidationChannel,
        size: int,
        idle_timeout: float,
        clock: Clock,
    ) -> None:
        self._store = store
        self._channel = channel
        self._cache: InvalidatedCache[SessionRecord] = InvalidatedCache(size, channel)
        self._idle_timeout = idle_timeout
        self._clock = clock

    async def create(self, record: SessionRecord) -> None:
        """Store a new session (cached on its first read: the login's process may not be the
        one its requests go to)."""
        await self._store.create(record)

    async def get(self, sid: str) -> SessionRecord | None:
        """The cached record (the cache's own object), or the store's, then cached."""
        cached = self._cache.get(sid)
        if cached is not None and self._clock.now() < cached.last_accessed + self._idle_timeout:
            return cached
        version = self._cache.version()
        record = await self._store.get(sid)
        if record is not None:
            self._cache.put(sid, record, version)
        return record

    async def touch(self, sid: str, now: float, record: SessionRecord | None = None) -> None:
        """Record the use in the store (throttled there) and on the cached record."""
        await self._store.touch(sid, now, record)
        cached = self._cache.get(sid)
        if cached is not None and cached.last_accessed < now:
            cached.last_accessed = now

    async def delete(self, sid: str) -> bool:
        """Remove the session, forget it here and tell every process (even if it was gone
        already: ending it again repeats a broadcast that may have failed)."""
        removed = await self._store.delete(sid)
        await self._ended([sid])
        return removed

    async def delete_user(self, user_id: int) -> builtins.list[str]:
        """Remove every session of the user, and tell every process."""
        sids = await self._store.delete_user(user_id)
        await self._ended(sids)
        return sids

    async def list(
        self, user_id: int | None = None, limit: int | None = None
    ) -> builtins.list[SessionRecord]:
        """The store's list (never cached: admins and users want it exact)."""
        return await self._store.list(user_id, limit)

    async def count(self, user_id: int | None = None) -> int:
        """The store's count."""
        return await self._store.count(user_id)

    async def purge_expired(self, now: float, idle_timeout: float) -> builtins.list[str]:
        """Remove expired sessions, and tell every process."""
        sids = await self._store.purge_expired(now, idle_timeout)
        await self._ended(sids)
        return sids

    async def _ended(self, sids: builtins.list[str]) -> None:
        if sids:
            self._cache.invalidate(sids)
            await self._channel.publish(sids)
