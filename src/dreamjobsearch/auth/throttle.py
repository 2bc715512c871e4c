"""Login throttling: too many failures for one account from one client locks it out a while.

`LoginThrottle` is the protocol; `MemoryLoginThrottle` counts in this process, and
`throttle_redis.RedisLoginThrottle` shares the count between every process on one Redis.
"""

from __future__ import annotations

import math
from collections import OrderedDict, deque
from typing import Protocol

from dreamjobsearch.clock import Clock

MAX_TRACKED_KEYS = 100_000


class LoginThrottle(Protocol):
    """Counts failed logins per key (account + client) in a sliding window."""

    async def retry_after(self, key: str) -> int | None:
        """Seconds until `key` may try again, or None when it is not locked out."""
        ...

    async def record_failure(self, key: str) -> None:
        """Count one failed attempt."""
        ...

    async def reset(self, key: str) -> None:
        """Forget the failures of `key` (after a successful login)."""
        ...


class MemoryLoginThrottle:
    """Counts failed logins per key (account + client) in a sliding window, in this process.

    Memory is bounded: at most `MAX_TRACKED_KEYS` keys, the least recently failed dropped.
    """

    def __init__(self, max_failures: int, window: int, clock: Clock) -> None:
        self._max_failures = max_failures
        self._window = window
        self._clock = clock
        self._failures: OrderedDict[str, deque[float]] = OrderedDict()

    async def retry_after(self, key: str) -> int | None:
        """Seconds until `key` may try again, or None when it is not locked out."""
        failures = self._recent(key)
        if failures is None or len(failures) < self._max_failures:
            return None
        return max(1, math.ceil(failures[0] + self._window - self._clock.now()))

    async def record_failure(self, key: str) -> None:
        """Count one failed attempt."""
        failures = self._recent(key)
        if failures is None:
            failures = deque(maxlen=self._max_failures)
            self._failures[key] = failures
            if len(self._failures) > MAX_TRACKED_KEYS:
                self._failures.popitem(last=False)
        failures.append(self._clock.now())
        self._failures.move_to_end(key)

    async def reset(self, key: str) -> None:
        """Forget the failures of `key` (after a successful login)."""
        self._failures.pop(key, None)

    def _recent(self, key: str) -> deque[float] | None:
        failures = self._failures.get(key)
        if failures is None:
            return None
        cutoff = self._clock.now() - self._window
        while failures and failures[0] <= cutoff:
            failures.popleft()
        if not failures:
            del self._failures[key]
            return None
        return failures
