"""`InvalidatedCache`: this process's memory of answers read from a shared store, trusted only
while the invalidation channel is healthy.

In the spirit of Django's `cached_db`, with invalidation: an entry stays until a broadcast
says its session ended, until it is the least recently used beyond `size`, or until the
channel goes down (entries are then ignored) and comes back (they are then cleared, since a
broadcast may have been missed). A store read that was under way while something was
invalidated is not cached (it may predate the invalidation): `version` is taken before the
read and `put` checks it.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable
from typing import Generic, TypeVar

from dreamjobsearch.sessions.invalidation.base import InvalidationChannel

V = TypeVar("V")


class InvalidatedCache(Generic[V]):
    """Values by session id, least recently used first, bounded; an `InvalidationListener`."""

    def __init__(self, size: int, channel: InvalidationChannel) -> None:
        self._size = size
        self._channel = channel
        self._entries: OrderedDict[str, V] = OrderedDict()
        self._version = 0
        channel.subscribe(self)

    def get(self, sid: str) -> V | None:
        """The cached value, unless there is none or the channel cannot be trusted now."""
        if not self._channel.healthy:
            return None
        value = self._entries.get(sid)
        if value is not None:
            self._entries.move_to_end(sid)
        return value

    def version(self) -> int:
        """Take before a store read whose answer is to be `put`."""
        return self._version

    def put(self, sid: str, value: V, version: int) -> None:
        """Cache a store's answer, unless something was invalidated since `version` was taken
        or the channel is down."""
        if version != self._version or not self._channel.healthy:
            return
        self._entries[sid] = value
        self._entries.move_to_end(sid)
        if len(self._entries) > self._size:
            self._entries.popitem(last=False)

    def invalidate(self, sids: Iterable[str]) -> None:
        """Forget these sessions (they ended)."""
        self._version += 1
        for sid in sids:
            self._entries.pop(sid, None)

    def clear(self) -> None:
        """Forget everything."""
        self._version += 1
        self._entries.clear()
