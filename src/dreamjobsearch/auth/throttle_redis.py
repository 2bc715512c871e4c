"""Login throttling shared by every process through Redis.

Each key (account + client) is a sorted set of failure times under a hashed name, so no
email address is written to Redis; it expires with the window.
"""

from __future__ import annotations

import hashlib
import math
import secrets

from redis.asyncio import Redis

from dreamjobsearch.clock import Clock


class RedisLoginThrottle:
    """`LoginThrottle` on Redis: the same failures count on every API process."""

    def __init__(
        self, redis: Redis, max_failures: int, window: int, clock: Clock, prefix: str
    ) -> None:
        self._redis = redis
        self._max_failures = max_failures
        self._window = window
        self._clock = clock
        self._prefix = f"{prefix}login-failures:"

    def _name(self, key: str) -> str:
        return self._prefix + hashlib.sha256(key.encode()).hexdigest()

    async def retry_after(self, key: str) -> int | None:
        """Seconds until `key` may try again, or None when it is not locked out."""
        now = self._clock.now()
        name = self._name(key)
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.zremrangebyscore(name, "-inf", now - self._window)
            pipe.zrange(name, 0, 0, withscores=True)
            pipe.zcard(name)
            _removed, oldest, count = await pipe.execute()
        if count < self._max_failures or not oldest:
            return None
        first_failure = float(oldest[0][1])
        return max(1, math.ceil(first_failure + self._window - now))

    async def record_failure(self, key: str) -> None:
        """Count one failed attempt (only the most recent `max_failures` are kept)."""
        now = self._clock.now()
        name = self._name(key)
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.zadd(name, {f"{now:.6f}:{secrets.token_hex(6)}": now})
            pipe.zremrangebyrank(name, 0, -(self._max_failures + 1))
            pipe.expire(name, self._window)
            await pipe.execute()

    async def reset(self, key: str) -> None:
        """Forget the failures of `key`."""
        await self._redis.delete(self._name(key))
