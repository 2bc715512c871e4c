"""The ranking indexes this process holds: one slot per user whose workspace it keeps.

An index is used only while the user's postings version in the database equals the one it
was built at, so an API process never serves a ranking another process's ingest has made
stale: the version moves in the ingest's own transaction. A user's index is built once at
a time however many of their requests arrive together.

The cache sets no memory bound of its own: the workspace pool decides whose indexes are
held (`hold` when it keeps a user's workspace, `drop` when it lets it go) under its one
memory budget, and hears after each ranking (`listen`) so that it can measure what grew.
An index built for a user without a slot (a worker's run, an evicted workspace) serves the
request that built it and is stored as a snapshot, but is not kept.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from dreamjobsearch.search.index import RankingIndex


class HeldIndex:
    """One user's slot: the index held for them (None until the first ranking)."""

    __slots__ = ("index", "user_id")

    def __init__(self, user_id: int) -> None:
        self.user_id = user_id
        self.index: RankingIndex | None = None

    @property
    def nbytes(self) -> int:
        """Bytes the held index takes (0 when none is held)."""
        return 0 if self.index is None else self.index.nbytes


class RankingCache:
    """Ranking indexes by user, valid for one postings version each."""

    def __init__(self) -> None:
        self._slots: dict[int, HeldIndex] = {}
        self._building: dict[tuple[int, int], asyncio.Future[RankingIndex]] = {}
        self._listener: Callable[[int], None] | None = None

    def hold(self, user_id: int) -> HeldIndex:
        """Keep the user's indexes from now on; their slot (the same one if held already)."""
        slot = self._slots.get(user_id)
        if slot is None:
            slot = self._slots[user_id] = HeldIndex(user_id)
        return slot

    def drop(self, user_id: int) -> None:
        """Stop keeping the user's index; their next ranking starts from a snapshot."""
        self._slots.pop(user_id, None)

    def listen(self, listener: Callable[[int], None]) -> None:
        """Call `listener(user_id)` after each ranking or preparation of a user's index."""
        self._listener = listener

    async def get(
        self, user_id: int, version: int, build: Callable[[], Awaitable[RankingIndex]]
    ) -> RankingIndex:
        """The user's index at `version`, built with `build()` when not held."""
        slot = self._slots.get(user_id)
        if slot is not None and slot.index is not None and slot.index.version == version:
            return slot.index
        key = (user_id, version)
        building = self._building.get(key)
        if building is None:
            building = asyncio.ensure_future(self._build(key, build))
            self._building[key] = building
        # Shielded: a caller that gives up must not cancel the build others wait for.
        return await asyncio.shield(building)

    def held(self, user_id: int) -> RankingIndex | None:
        """The user's index held now, whatever its version (to bring it up to date)."""
        slot = self._slots.get(user_id)
        return None if slot is None else slot.index

    def settled(self, user_id: int) -> None:
        """A ranking of the user's is done: what it added to their index can be measured."""
        if self._listener is not None and user_id in self._slots:
            self._listener(user_id)

    async def wait(self) -> None:
        """Let the builds in progress finish, their callers gone or not: a build outlives a
        caller that gives up (a run interrupted at shutdown), and must be done with its
        database connection before the database closes."""
        while self._building:
            await asyncio.gather(*self._building.values(), return_exceptions=True)

    def clear(self) -> None:
        """Drop every held index; each is rebuilt on its user's next ranking (a cold start)."""
        for slot in list(self._slots.values()):
            slot.index = None
            self.settled(slot.user_id)

    async def _build(
        self, key: tuple[int, int], build: Callable[[], Awaitable[RankingIndex]]
    ) -> RankingIndex:
        user_id, version = key
        try:
            index = await build()
        finally:
            del self._building[key]
        slot = self._slots.get(user_id)
        # Versions only grow: an older build finishing late must not replace a newer one.
        if slot is not None and (slot.index is None or slot.index.version <= version):
            slot.index = index
        return index
