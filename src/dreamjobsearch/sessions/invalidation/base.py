"""The `InvalidationChannel` protocol, and the listening loop the cross-process channels share.

A channel carries the ids of ended sessions (logout, admin end, logout elsewhere, a password
change, a disabled or deleted account, expiry) to every process, whose caches then forget
them. A cache may trust its entries only while its channel is `healthy`: a message missed
while the channel was down could be a revocation, so a channel that comes back first tells
its listeners to clear everything.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from abc import ABC, abstractmethod
from collections.abc import Iterable, Sequence
from typing import Protocol

logger = logging.getLogger(__name__)

# How long `start` waits for the first subscription before letting the process go on with
# its caches bypassed (they are used as soon as the channel is up).
START_WAIT = 5.0
# Reconnecting after a loss: the first wait, doubled after each failure up to the last.
FIRST_RECONNECT_DELAY = 0.1
MAX_RECONNECT_DELAY = 5.0


class InvalidationListener(Protocol):
    """What a channel tells: sessions that ended, or that anything may have been missed."""

    def invalidate(self, sids: Iterable[str]) -> None:
        """Forget these sessions."""
        ...

    def clear(self) -> None:
        """Forget everything (the channel was down: messages may have been lost)."""
        ...


class InvalidationChannel(Protocol):
    """Carries ended session ids to the listeners of every process."""

    @property
    def healthy(self) -> bool:
        """Whether every message published from now on will reach this process."""
        ...

    def subscribe(self, listener: InvalidationListener) -> None:
        """Deliver what arrives (from any process, this one included) to `listener`."""
        ...

    async def start(self) -> None:
        """Start listening (waits a little for the first subscription, never fails)."""
        ...

    async def publish(self, sids: Sequence[str]) -> None:
        """Tell every process that these sessions ended."""
        ...

    async def aclose(self) -> None:
        """Stop listening."""
        ...


class ListeningChannel(ABC):
    """The shared part of a channel that listens on a connection: the listeners, the health
    flag and its logged transitions, and a loop that reconnects with backoff.

    A subclass writes `publish`, and `_listen`: connect, subscribe, call `_subscribed()`,
    then hand each message to `_deliver` until the connection fails (by raising).
    """

    name = "invalidation channel"

    def __init__(self, reconnect_delay: float = FIRST_RECONNECT_DELAY) -> None:
        self._listeners: list[InvalidationListener] = []
        self._first_delay = reconnect_delay
        self._live = False
        self._ready = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    @property
    def healthy(self) -> bool:
        """Subscribed, with a listening task still running."""
        return self._live and self._task is not None and not self._task.done()

    def subscribe(self, listener: InvalidationListener) -> None:
        """Deliver what arrives to `listener` too."""
        self._listeners.append(listener)

    async def start(self) -> None:
        """Start the listening task; wait up to `START_WAIT` for its first subscription."""
        if self._task is not None:
            return
        self._task = asyncio.create_task(self._run(), name=self.name)
        self._task.add_done_callback(self._stopped)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._ready.wait(), START_WAIT)
        if not self.healthy:
            logger.warning("%s not up yet: session caches bypassed until it is", self.name)

    async def aclose(self) -> None:
        """Stop the listening task."""
        task, self._task = self._task, None
        self._live = False
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    @abstractmethod
    async def publish(self, sids: Sequence[str]) -> None:
        """Tell every process that these sessions ended."""

    @abstractmethod
    async def _listen(self) -> None:
        """Listen on one connection until it fails."""

    def _subscribed(self) -> None:
        """The subscription is (again) in place: anything could have been missed before it,
        so listeners clear first, then trust the channel."""
        for listener in self._listeners:
            listener.clear()
        if not self._live:
            logger.info("%s up: session caches in use (cleared)", self.name)
        self._live = True
        self._ready.set()

    def _deliver(self, sids: Iterable[str]) -> None:
        ended = list(sids)
        for listener in self._listeners:
            listener.invalidate(ended)

    def _lost(self, reason: object) -> None:
        if self._live:
            logger.warning(
                "%s lost (%s): session caches bypassed until it is back", self.name, reason
            )
        self._live = False

    async def _run(self) -> None:
        delay = self._first_delay
        while True:
            reason: object = "connection closed"
            try:
                await self._listen()
            except Exception as error:
                reason = error
            if self._live:
                delay = self._first_delay  # it worked until now: retry soon
            self._lost(reason)
            await asyncio.sleep(delay)
            delay = min(delay * 2, MAX_RECONNECT_DELAY)

    def _stopped(self, task: asyncio.Task[None]) -> None:
        """The listening task ended: by `aclose`, or by a bug (then say so loudly)."""
        self._live = False
        if not task.cancelled() and task.exception() is not None:
            logger.error(
                "%s listener died: session caches bypassed",
                self.name,
                exc_info=task.exception(),
            )
