"""The process's ranking indexes, one per recent user, checked against the database.

An index is used only while the user's postings version in the database equals the one it
was built at, so an API process never serves a ranking another process's ingest has made
stale: the version moves in the ingest's own transaction. A user's index is built once at
a time however many of their requests arrive together. The least recently used indexes go
when the postings held pass `max_postings`, so memory stays bounded.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import Awaitable, Callable

from dreamjobsearch.search.index import RankingIndex

DEFAULT_MAX_POSTINGS = 500_000


class RankingCache:
    """Ranking indexes by user, valid for one postings version each."""

    def __init__(self, max_postings: int = DEFAULT_MAX_POSTINGS) -> None:
        self._max_postings = max_postings
        self._indexes: OrderedDict[int, RankingIndex] = OrderedDict()
        self._building: dict[tuple[int, int], asyncio.Future[RankingIndex]] = {}

    async def get(
        self, user_id: int, version: int, build: Callable[[], Awaitable[RankingIndex]]
    ) -> RankingIndex:
        """The user's index at `version`, built with `build()` when not held."""
        index = self._indexes.get(user_id)
        if index is not None and index.version == version:
            self._indexes.move_to_end(user_id)
            return index
        key = (user_id, version)
        building = self._building.get(key)
        if building is None:
            building = asyncio.ensure_future(self._build(key, build))
            self._building[key] = building
        # Shielded: a caller that gives up must not cancel the build others wait for.
        return await asyncio.shield(building)

    def held(self, user_id: int) -> RankingIndex | None:
        """The user's index held now, whatever its version (to bring it up to date)."""
        return self._indexes.get(user_id)

    def clear(self) -> None:
        """Drop every index; each is rebuilt on its user's next ranking (a cold start)."""
        self._indexes.clear()

    async def _build(
        self, key: tuple[int, int], build: Callable[[], Awaitable[RankingIndex]]
    ) -> RankingIndex:
        user_id, version = key
        try:
            index = await build()
        finally:
            del self._building[key]
        held = self._indexes.get(user_id)
        # Versions only grow: an older build finishing late must not replace a newer one.
        if held is None or held.version <= version:
            self._indexes[user_id] = index
            self._indexes.move_to_end(user_id)
            self._evict()
        return index

    def _evict(self) -> None:
        held = sum(index.size for index in self._indexes.values())
        while held > self._max_postings and len(self._indexes) > 1:
            _user, oldest = self._indexes.popitem(last=False)
            held -= oldest.size
