"""Rate limits shared by every process through Redis.

Each key is a sorted set of event times under a hashed name (no address is written to
Redis as it is), expiring with the window. A script checks and counts in one step.
"""

from __future__ import annotations

import hashlib
import math
import secrets

from redis.asyncio import Redis

from dreamjobsearch.clock import Clock

# KEYS[1]: the key's events. ARGV: now, window, limit, a unique member.
# Returns nil when the event was counted, else the time of the oldest event in the window.
ACQUIRE = """
local now, window = tonumber(ARGV[1]), tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[3]) then
    return redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')[2]
end
redis.call('ZADD', KEYS[1], now, ARGV[4])
redis.call('EXPIRE', KEYS[1], math.ceil(window))
return false
"""


class RedisRateLimiter:
    """`RateLimiter` on Redis: the same events count on every API process."""

    def __init__(self, redis: Redis, limit: int, window: int, clock: Clock, prefix: str) -> None:
        self._limit = limit
        self._window = window
        self._clock = clock
        self._prefix = prefix
        self._acquire = redis.register_script(ACQUIRE)

    async def acquire(self, key: str) -> int | None:
        """Count one event for `key`, or say how long until it may go again."""
        now = self._clock.now()
        name = self._prefix + hashlib.sha256(key.encode()).hexdigest()
        oldest = await self._acquire(
            keys=[name], args=[f"{now:.6f}", self._window, self._limit, secrets.token_hex(8)]
        )
        if oldest is None:
            return None
        return max(1, math.ceil(float(oldest) + self._window - now))
