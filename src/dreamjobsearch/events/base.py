"""Events, bounded subscriber queues and the `EventBus` protocol."""

from __future__ import annotations

import asyncio
from collections import deque
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal, Protocol

EventKind = Literal["log", "progress", "run_state"]
EventLevel = Literal["debug", "info", "warning", "error"]


@dataclass(frozen=True, slots=True)
class Event:
    """One thing that happened, as a user's stream shows it (JSON-serialisable)."""

    kind: EventKind
    message: str
    level: EventLevel = "info"
    run_id: str | None = None
    data: dict[str, Any] = field(default_factory=dict)
    ts: str = field(default_factory=lambda: datetime.now(UTC).isoformat())

    def to_dict(self) -> dict[str, Any]:
        """The event as a JSON-ready dict."""
        return asdict(self)


class Subscription:
    """One stream's bounded queue. A slow reader loses the oldest events, never blocks writers.

    After a drop the next read yields a warning event saying how many were lost.
    """

    __slots__ = ("_closed", "_dropped", "_queue", "_wakeup", "maxsize", "user_id")

    def __init__(self, user_id: int, maxsize: int) -> None:
        self.user_id = user_id
        self.maxsize = maxsize
        self._queue: deque[Event] = deque()
        self._dropped = 0
        self._closed = False
        self._wakeup = asyncio.Event()

    @property
    def closed(self) -> bool:
        """Whether the stream was ended (logout, session end or disconnect)."""
        return self._closed

    def put(self, event: Event) -> None:
        """Queue an event, dropping the oldest one when full. Never waits."""
        if self._closed:
            return
        if len(self._queue) >= self.maxsize:
            self._queue.popleft()
            self._dropped += 1
        self._queue.append(event)
        self._wakeup.set()

    def close(self) -> None:
        """End the stream; a pending `get` returns None."""
        self._closed = True
        self._wakeup.set()

    async def get(self) -> Event | None:
        """The next event, or None once the stream is closed."""
        while True:
            if self._closed:
                return None
            if self._dropped:
                dropped, self._dropped = self._dropped, 0
                return Event(
                    kind="log",
                    level="warning",
                    message=f"{dropped} events were dropped because this stream fell behind",
                    data={"dropped": dropped},
                )
            if self._queue:
                return self._queue.popleft()
            self._wakeup.clear()
            await self._wakeup.wait()


class EventBus(Protocol):
    """Delivers each user's events to every open subscription of that user, and no other."""

    async def publish(self, user_id: int, event: Event) -> None:
        """Send an event to the user's subscriptions."""
        ...

    def subscribe(self, user_id: int) -> Subscription:
        """Open a subscription to the user's events."""
        ...

    def unsubscribe(self, subscription: Subscription) -> None:
        """Close and forget a subscription."""
        ...

    def subscriber_count(self, user_id: int) -> int:
        """How many subscriptions the user has open in this process."""
        ...
