"""The denylist in Redis: one key per ended session, expiring with its tokens."""

from __future__ import annotations

import math

from redis.asyncio import Redis


class RedisDenylist:
    """`Denylist` on Redis; the check is one `EXISTS`, and Redis forgets entries itself."""

    def __init__(self, redis: Redis, prefix: str = "dreamjob:") -> None:
        self._redis = redis
        self._prefix = prefix

    def _key(self, sid: str) -> str:
        return f"{self._prefix}revoked:{sid}"

    async def revoke(self, sid: str, until: float, now: float) -> None:
        """List the session for the time its tokens have left (a later deadline wins)."""
        seconds = math.ceil(until - now)
        if seconds <= 0:
            return
        key = self._key(sid)
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.set(key, 1, nx=True, ex=seconds)
            pipe.expire(key, seconds, gt=True)
            await pipe.execute()

    async def is_revoked(self, sid: str) -> bool:
        """Whether the session's key exists."""
        return bool(await self._redis.exists(self._key(sid)))

    async def purge(self, now: float) -> int:
        """Nothing to do: each key expires with its tokens."""
        return 0
