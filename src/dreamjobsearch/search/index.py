"""One user's ranking index in memory: their postings newest first, as bit positions.

Position 0 is the user's newest posting (posted, then found, then id, as the ranking rule
orders ties), so the lowest positions of any set are its best-ordered postings: a page is
read off the set, never sorted. The index holds what does not change between visits (the
order, cross-board groups, and on first need locations and companies) and the keyword sets
computed so far. When the user's postings change (their version moves) a held index is
extended with the new postings only (`extended`): the others keep their order, so their sets
only spread apart to make room.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from itertools import chain, compress, count, repeat
from operator import is_, is_not

from dreamjobsearch.search.bitmaps import few, from_positions, spread
from dreamjobsearch.storage.search_index import PostingText, ValueIds
from dreamjobsearch.storage.search_terms import KeywordTokens

KEYWORD_SETS_KEPT = 256
FILTER_SETS_KEPT = 32


@dataclass(slots=True)
class RankingIndex:
    """A user's postings as bit positions, with the sets a ranking combines."""

    version: int
    ids: list[int]
    positions_by_id: dict[int, int]
    # Cross-board groups of several of the user's postings, by posting id (ids do not move
    # when postings are added, positions do): each posting's group, each group's ids sorted.
    group_by_id: dict[int, int]
    members_by_group: dict[int, list[int]]
    in_groups: int
    inexact: list[PostingText]
    locations: dict[str, list[int]] | None = None
    companies: dict[str, list[int]] | None = None
    _keyword_sets: OrderedDict[Hashable, int] = field(default_factory=OrderedDict)
    _filter_sets: OrderedDict[Hashable, int] = field(default_factory=OrderedDict)
    # Rankings of one user may run in several worker threads at once.
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @classmethod
    def build(
        cls,
        version: int,
        ordered_ids: Sequence[int],
        shared_groups: Iterable[tuple[int, Sequence[int]]] = (),
        inexact: Sequence[PostingText] = (),
    ) -> RankingIndex:
        """The index of the user's posting ids (newest first) and of their cross-board
        groups of several postings (`(group, posting ids)`). CPU work: call it in a thread."""
        ids = list(ordered_ids)
        positions_by_id = dict(zip(ids, range(len(ids)), strict=True))
        members_by_group: dict[int, list[int]] = {}
        for group, posting_ids in shared_groups:
            members = sorted(filter(positions_by_id.__contains__, posting_ids))
            if len(members) > 1:
                members_by_group[group] = members
        group_by_id = {
            posting_id: group
            for group, members in members_by_group.items()
            for posting_id in members
        }
        return cls(
            version=version,
            ids=ids,
            positions_by_id=positions_by_id,
            group_by_id=group_by_id,
            members_by_group=members_by_group,
            in_groups=from_positions(len(ids), map(positions_by_id.__getitem__, group_by_id)),
            inexact=[posting for posting in inexact if posting.posting_id in positions_by_id],
        )

    def added_in(self, ordered_ids: Sequence[int]) -> list[int] | None:
        """The ids of `ordered_ids` (the user's postings now, newest first) this index does
        not hold, if it holds all the others in the same order; else None. CPU work."""
        found = list(map(self.positions_by_id.get, ordered_ids))
        if len(found) - found.count(None) != self.size:
            return None
        if list(filter(partial(is_not, None), found)) != list(range(self.size)):
            return None
        return list(compress(ordered_ids, map(is_, found, repeat(None))))

    def indexed_keywords(self) -> list[KeywordTokens]:
        """The keywords whose sets are kept and that the search index answers."""
        with self._lock:
            return [key for key in self._keyword_sets if isinstance(key, KeywordTokens)]

    def extended(
        self,
        version: int,
        ordered_ids: Sequence[int],
        added: Sequence[int],
        touched_groups: Iterable[tuple[int, Sequence[int]]],
        keyword_ids: Mapping[KeywordTokens, Sequence[int]],
        inexact: Sequence[PostingText] = (),
    ) -> RankingIndex:
        """This index with the postings `added` (see `added_in`) put in their places:
        the order `ordered_ids`, the groups holding added postings as `touched_groups`
        now are, and the kept keyword sets given the added postings each matches
        (`keyword_ids`; the others are dropped, as are the filter sets), and the added
        postings the search index holds only approximately (`inexact`). CPU work."""
        ids = list(ordered_ids)
        positions_by_id = dict(zip(ids, count()))
        inserted = sorted(map(positions_by_id.__getitem__, added))
        group_by_id = dict(self.group_by_id)
        members_by_group = dict(self.members_by_group)
        grouped: list[int] = []
        for group, posting_ids in touched_groups:
            members = sorted(filter(positions_by_id.__contains__, posting_ids))
            if len(members) > 1:
                members_by_group[group] = members
                group_by_id.update(zip(members, repeat(group)))
                grouped.extend(map(positions_by_id.__getitem__, members))
        index = RankingIndex(
            version=version,
            ids=ids,
            positions_by_id=positions_by_id,
            group_by_id=group_by_id,
            members_by_group=members_by_group,
            in_groups=spread(self.in_groups, inserted) | few(grouped),
            inexact=[*self.inexact, *inexact],
        )
        with self._lock:
            held_sets = list(self._keyword_sets.items())
        for key, bitmap in held_sets:
            matched = keyword_ids.get(key) if isinstance(key, KeywordTokens) else None
            if matched is not None:
                matching = map(positions_by_id.__getitem__, matched)
                index._keyword_sets[key] = spread(bitmap, inserted) | few(matching)
        return index

    @property
    def size(self) -> int:
        """How many postings the user has."""
        return len(self.ids)

    @property
    def everything(self) -> int:
        """The set of all the user's postings."""
        return (1 << self.size) - 1

    def positions_of(self, posting_ids: Iterable[int]) -> list[int]:
        """The positions of those `posting_ids` that are the user's (others are ignored)."""
        found = map(self.positions_by_id.get, posting_ids)
        return [position for position in found if position is not None]

    def of_ids(self, posting_ids: Iterable[int]) -> int:
        """The set of those `posting_ids` that are the user's (others are ignored)."""
        # Others map to `size`, which from_positions ignores: no Python-level loop.
        found = map(self.positions_by_id.get, posting_ids, repeat(self.size))
        return from_positions(self.size, found)

    def by_value(self, rows: Sequence[ValueIds], key: Callable[[str], str]) -> dict[str, list[int]]:
        """Positions by `key(value)` from `(value, joined ids)` rows. CPU work: a thread."""
        by_key: dict[str, list[int]] = {}
        for value, joined in rows:
            members = self.positions_of(map(int, joined.split(",")))
            by_key.setdefault(key(value), []).extend(members)
        return by_key

    def located(self, wanted: str) -> int:
        """Postings whose location contains `wanted` (case-folded), as the rule says."""
        assert self.locations is not None, "load the locations first"
        key = ("location", wanted)
        cached = self._cached(self._filter_sets, key)
        if cached is not None:
            return cached
        matching = (members for place, members in self.locations.items() if wanted in place)
        return self._keep(self._filter_sets, key, from_positions(self.size, chain(*matching)))

    def of_companies(self, keys: frozenset[str]) -> int:
        """Postings of the companies with these keys (see `tracking.company_key`)."""
        assert self.companies is not None, "load the companies first"
        key = ("companies", keys)
        cached = self._cached(self._filter_sets, key)
        if cached is not None:
            return cached
        members = chain(*(self.companies.get(name, ()) for name in keys))
        return self._keep(self._filter_sets, key, from_positions(self.size, members))

    def memo(self, key: Hashable, compute: Callable[[], int]) -> int:
        """A set derived from others, computed once while the recent ones are kept."""
        cached = self._cached(self._filter_sets, key)
        return cached if cached is not None else self._keep(self._filter_sets, key, compute())

    def keyword_set(self, key: Hashable) -> int | None:
        """The postings matching a keyword, if computed already."""
        return self._cached(self._keyword_sets, key)

    def remember_keyword_set(self, key: Hashable, bitmap: int) -> None:
        """Keep a keyword's postings for the next rankings (the least used go first)."""
        self._keep(self._keyword_sets, key, bitmap, KEYWORD_SETS_KEPT)

    def _cached(self, sets: OrderedDict[Hashable, int], key: Hashable) -> int | None:
        with self._lock:
            bitmap = sets.get(key)
            if bitmap is not None:
                sets.move_to_end(key)
            return bitmap

    def _keep(
        self,
        sets: OrderedDict[Hashable, int],
        key: Hashable,
        bitmap: int,
        kept: int = FILTER_SETS_KEPT,
    ) -> int:
        with self._lock:
            sets[key] = bitmap
            while len(sets) > kept:
                sets.popitem(last=False)
        return bitmap
