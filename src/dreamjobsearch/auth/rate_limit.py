"""Rate limits: at most so many events per key (a client address, say) in a sliding window.

`RateLimiter` is the protocol; `MemoryRateLimiter` counts in this process, and
`rate_limit_redis.RedisRateLimiter` shares the count between every process on one Redis.
Unlike the login throttle, which counts failures after the fact, a limiter counts each event
as it is let through, in one step: concurrent requests cannot all slip in under the limit.
"""

from __future__ import annotations

import math
from collections import OrderedDict, deque
from typing import Protocol

from dreamjobsearch.clock import Clock

MAX_TRACKED_KEYS = 100_000


class RateLimiter(Protocol):
    """Lets at most `limit` events per key through in any `window` seconds."""

    async def acquire(self, key: str) -> int | None:
        """Count one event for `key` and return None; or, when `key` has had its `limit`
        within the window, count nothing and return the seconds until it may go again."""
        ...


class MemoryRateLimiter:
    """`RateLimiter` in this process.

    Memory is bounded: at most `MAX_TRACKED_KEYS` keys, the least recently counted dropped.
    """

    def __init__(self, limit: int, window: int, clock: Clock) -> None:
        self._limit = limit
        self._window = window
        self._clock = clock
        self._events: OrderedDict[str, deque[float]] = OrderedDict()

    async def acquire(self, key: str) -> int | None:
        """Count one event for `key`, or say how long until it may go again."""
        now = self._clock.now()
        events = self._events.get(key)
        if events is None:
            events = deque(maxlen=self._limit)
            self._events[key] = events
            if len(self._events) > MAX_TRACKED_KEYS:
                self._events.popitem(last=False)
        while events and events[0] <= now - self._window:
            events.popleft()
        if len(events) >= self._limit:
            return max(1, math.ceil(events[0] + self._window - now))
        events.append(now)
        self._events.move_to_end(key)
        return None
