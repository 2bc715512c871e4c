"""The channel of a single process (SQLite, where one process serves the database file)."""

from __future__ import annotations

from collections.abc import Sequence

from dreamjobsearch.sessions.invalidation.base import InvalidationListener


class LocalInvalidationChannel:
    """`InvalidationChannel` within this process: always up, delivered at once."""

    def __init__(self) -> None:
        self._listeners: list[InvalidationListener] = []

    @property
    def healthy(self) -> bool:
        """Always: nothing can be lost between a process and itself."""
        return True

    def subscribe(self, listener: InvalidationListener) -> None:
        """Deliver what is published to `listener`."""
        self._listeners.append(listener)

    async def start(self) -> None:
        """Nothing to connect."""

    async def publish(self, sids: Sequence[str]) -> None:
        """Hand the ended sessions to this process's listeners."""
        for listener in self._listeners:
            listener.invalidate(sids)

    async def aclose(self) -> None:
        """Nothing to close."""
