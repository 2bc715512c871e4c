"""`FairSlots`: a bounded number of slots shared fairly between users.

A plain semaphore serves waiters first come, first served, so a user who queues many runs
keeps everyone else waiting behind them. Here a freed slot goes to the waiting user with the
fewest slots held; among equals, to the one served least recently (round-robin). A user's
own runs still start in the order they were queued.
"""

from __future__ import annotations

import asyncio
import itertools
from collections import Counter, deque
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager


class FairSlots:
    """At most `capacity` holders at once, handed out round-robin between users."""

    def __init__(self, capacity: int) -> None:
        self._free = capacity
        self._held: Counter[int] = Counter()
        self._waiting: dict[int, deque[asyncio.Future[None]]] = {}
        self._served: dict[int, int] = {}  # user -> when last given a slot (a tick)
        self._ticks = itertools.count()

    @asynccontextmanager
    async def slot(self, user_id: int) -> AsyncIterator[None]:
        """Hold one slot for the user while the block runs (waiting for one if need be)."""
        await self._acquire(user_id)
        try:
            yield
        finally:
            self._release(user_id)

    async def _acquire(self, user_id: int) -> None:
        if self._free > 0 and not self._waiting:
            self._grant(user_id)
            return
        granted: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiting.setdefault(user_id, deque()).append(granted)
        try:
            await granted
        except asyncio.CancelledError:
            if granted.done() and not granted.cancelled():
                self._release(user_id)  # given a slot just as it was cancelled: pass it on
            else:
                self._forget(user_id, granted)
            raise

    def _release(self, user_id: int) -> None:
        self._held[user_id] -= 1
        if self._held[user_id] <= 0:
            del self._held[user_id]
            if user_id not in self._waiting:
                self._served.pop(user_id, None)  # nothing to be fair about: memory stays bounded
        self._free += 1
        self._hand_out()

    def _hand_out(self) -> None:
        while self._free > 0 and self._waiting:
            user_id = min(self._waiting, key=self._priority)
            granted = self._waiting[user_id].popleft()
            if not self._waiting[user_id]:
                del self._waiting[user_id]
            if granted.cancelled():
                continue  # its waiter was cancelled and has not run yet to withdraw
            self._grant(user_id)
            granted.set_result(None)

    def _priority(self, user_id: int) -> tuple[int, int]:
        # Fewest slots held first; then whoever was served longest ago (never: first).
        return self._held[user_id], self._served.get(user_id, -1)

    def _grant(self, user_id: int) -> None:
        self._free -= 1
        self._held[user_id] += 1
        self._served[user_id] = next(self._ticks)

    def _forget(self, user_id: int, granted: asyncio.Future[None]) -> None:
        waiting = self._waiting.get(user_id)
        if waiting is None or granted not in waiting:
            return
        waiting.remove(granted)
        if not waiting:
            del self._waiting[user_id]
