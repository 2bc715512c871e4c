"""Ranking indexes shared between processes through the database.

A process that has not ranked for a user (after a restart, in another API process) starts
from the index some process last built for them and the keyword sets computed over it
(`storage/ranking_snapshots.py`), instead of reading every link in order and asking the
search index for every keyword again: at 100,000 postings a cold ranking then costs about
what a warm one does. A stored index whose postings version is behind is extended with the
new postings, as a held one is. Saves happen after the ranking that built the index or the
sets has answered, in the background, one user's saves in the order they were asked for; a
failed save is logged and costs only speed. Small indexes are not stored: building one
from the database costs less than writing it.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
from collections.abc import Awaitable, Callable, Hashable, Mapping, Sequence
from functools import partial

from dreamjobsearch.search.bitmaps import from_bytes, to_bytes
from dreamjobsearch.search.index import RankingIndex
from dreamjobsearch.storage.ranking_snapshots import RankingSnapshotRepository
from dreamjobsearch.storage.search_index import SearchIndexRepository
from dreamjobsearch.storage.search_terms import KeywordTokens

logger = logging.getLogger(__name__)

# Below this many postings an index is built from the database in a few milliseconds.
SNAPSHOT_MIN_POSTINGS = 5_000


def keyword_digest(key: Hashable) -> str:
    """What a keyword set is stored under: a digest of the key the ranking keeps it by
    (a keyword's index tokens, or a `(kind, text)` pair)."""
    if isinstance(key, KeywordTokens):
        parts: list[object] = ["phrase", list(key.first), list(key.rest)]
    elif isinstance(key, tuple) and all(isinstance(part, str) for part in key):
        parts = list(key)
    else:
        raise TypeError(f"not a keyword key: {key!r}")
    return hashlib.sha256(json.dumps(parts).encode()).hexdigest()


class IndexSnapshots:
    """Loads users' stored indexes and saves new ones, off the request path."""

    def __init__(
        self,
        repository: RankingSnapshotRepository,
        search: SearchIndexRepository,
        min_postings: int = SNAPSHOT_MIN_POSTINGS,
    ) -> None:
        self._repository = repository
        self._search = search
        self._min_postings = min_postings
        # Saves asked for during a ranking wait for its end (`release`): they would slow it.
        self._queued: dict[int, list[Callable[[], Awaitable[None]]]] = {}
        self._pending: dict[int, asyncio.Future[None]] = {}

    async def load(self, user_id: int, keys: Sequence[Hashable]) -> RankingIndex | None:
        """The user's stored index (at the version it was stored at), holding the sets of
        those keyword `keys` stored with it; None when there is none."""
        digests = {keyword_digest(key): key for key in keys}
        stored = await self._repository.load(user_id, list(digests))
        if stored is None:
            return None
        inexact = await self._search.inexact_texts(user_id)
        index = await asyncio.to_thread(
            RankingIndex.build, stored.version, stored.order, inexact, stored.fingerprint
        )
        for digest, data in stored.keyword_sets.items():
            bitmap = from_bytes(data, index.size)
            if bitmap is not None:
                index.remember_keyword_set(digests[digest], bitmap)
        return index

    def save_index(self, user_id: int, index: RankingIndex) -> None:
        """Store `index` with its keyword sets once released (unless it is small)."""
        if index.size >= self._min_postings:
            self._queued.setdefault(user_id, []).append(partial(self._save_index, user_id, index))

    def save_keyword_sets(
        self, user_id: int, index: RankingIndex, keyword_sets: Mapping[Hashable, int]
    ) -> None:
        """Store these sets computed over `index` once released (if it is stored)."""
        if keyword_sets and index.size >= self._min_postings:
            save = partial(self._save_keyword_sets, user_id, index, keyword_sets)
            self._queued.setdefault(user_id, []).append(save)

    def release(self, user_id: int) -> None:
        """Start the user's saves asked for so far, in the background, in order (called
        when the ranking or preparation that asked for them is done)."""
        for save in self._queued.pop(user_id, []):
            self._later(user_id, save)

    async def wait(self) -> None:
        """Until every save asked for so far is done (before closing the database)."""
        for user_id in list(self._queued):
            self.release(user_id)
        while pending := [save for save in self._pending.values() if not save.done()]:
            await asyncio.gather(*pending)

    async def _save_index(self, user_id: int, index: RankingIndex) -> None:
        order, fingerprint = await asyncio.to_thread(index.stored_form)
        sets = _encoded(index, dict(index.keyword_items()))
        await self._repository.save(user_id, index.version, order, fingerprint, sets)

    async def _save_keyword_sets(
        self, user_id: int, index: RankingIndex, keyword_sets: Mapping[Hashable, int]
    ) -> None:
        fingerprint = await asyncio.to_thread(lambda: index.fingerprint)
        sets = _encoded(index, keyword_sets)
        await self._repository.save_keyword_sets(user_id, fingerprint, sets)

    def _later(self, user_id: int, save: Callable[[], Awaitable[None]]) -> None:
        before = self._pending.get(user_id)
        task = asyncio.ensure_future(_after(before, save, user_id))
        self._pending[user_id] = task
        task.add_done_callback(partial(self._forget, user_id))

    def _forget(self, user_id: int, task: asyncio.Future[None]) -> None:
        if self._pending.get(user_id) is task:
            del self._pending[user_id]


def _encoded(index: RankingIndex, keyword_sets: Mapping[Hashable, int]) -> dict[str, bytes]:
    size = index.size
    return {keyword_digest(key): to_bytes(bitmap, size) for key, bitmap in keyword_sets.items()}


async def _after(
    before: asyncio.Future[None] | None, save: Callable[[], Awaitable[None]], user_id: int
) -> None:
    """Run `save` once the user's previous save is done: a keyword set is only stored for
    the index stored before it."""
    if before is not None:
        await asyncio.wait([before])
    try:
        await save()
    except Exception:
        logger.warning("could not store the ranking index of user %s", user_id, exc_info=True)
