"""One user's ranking index in memory: their postings newest first, as bit positions.

Position 0 is the user's newest posting (posted, then found, then id, as the ranking rule
orders ties), so the lowest positions of any set are its best-ordered postings: a page is
read off the set, never sorted. The index holds what does not change between visits (the
order, each posting's cross-board group, and on first need locations and companies) and the
keyword sets computed so far. Ids and groups are NumPy arrays: the positions of a keyword's
thousands of matches come from one vectorised lookup (`positions.py`), never one per id.
When the user's postings change (their version moves) a held index is extended with the
links added since (`with_added` places them, `extended` carries the kept sets over): the
others keep their order, so the kept sets only spread apart.
"""

from __future__ import annotations

import sys
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from dreamjobsearch.domain.filters import is_remote
from dreamjobsearch.search.bitmaps import from_positions, moved
from dreamjobsearch.search.positions import IdPositions, id_positions
from dreamjobsearch.storage.ranking_snapshots import order_fingerprint
from dreamjobsearch.storage.search_index import (
    AddedLinks,
    IdArray,
    PostingText,
    RankingOrder,
    ValueIds,
    id_array,
)
from dreamjobsearch.storage.search_terms import KeywordTokens

KEYWORD_SETS_KEPT = 256
FILTER_SETS_KEPT = 32


@dataclass(slots=True)
class RankingIndex:
    """A user's postings as bit positions, with the sets a ranking combines."""

    version: int
    # Position -> posting id, and -> cross-board group (the posting's own id when alone).
    ids: IdArray
    groups: IdArray
    # The positions whose group holds several of the user's postings.
    in_groups: int
    inexact: list[PostingText]
    # Finds the positions of posting ids.
    _positions: IdPositions
    # Positions in groups of several postings, sorted by group, and their groups.
    _members: IdArray
    _member_groups: IdArray
    locations: dict[str, IdArray] | None = None
    companies: dict[str, IdArray] | None = None
    # The positions of the postings that state a salary; on first need.
    salaried: IdArray | None = None
    # Names exactly `ids` and `groups` (see storage/ranking_snapshots.py); on first need.
    _fingerprint: bytes | None = None
    _keyword_sets: OrderedDict[Hashable, int] = field(default_factory=OrderedDict)
    _filter_sets: OrderedDict[Hashable, int] = field(default_factory=OrderedDict)
    # Rankings of one user may run in several worker threads at once.
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @classmethod
    def build(
        cls,
        version: int,
        order: RankingOrder,
        inexact: Sequence[PostingText] = (),
        fingerprint: bytes | None = None,
    ) -> RankingIndex:
        """The index of the user's postings in ranking `order`; `inexact` are those the
        search index holds only approximately; `fingerprint`, the order's if known. CPU
        work: call it in a thread."""
        ids = order.ids
        positions = id_positions(ids)
        groups = ids.copy()
        filed = positions.lookup(order.filed)
        if len(filed) != len(order.filed_groups) or (filed < 0).any():
            raise ValueError("postings filed under a group must be in the order")
        groups[filed] = order.filed_groups
        members = _group_members(ids, groups)
        index = cls(
            version=version,
            ids=ids,
            groups=groups,
            in_groups=from_positions(len(ids), members),
            inexact=[],
            _positions=positions,
            _members=members,
            _member_groups=groups[members],
            _fingerprint=fingerprint,
        )
        held = index.lookup([posting.posting_id for posting in inexact]) >= 0
        index.inexact = [posting for posting, mine in zip(inexact, held, strict=True) if mine]
        return index

    def lookup(self, posting_ids: npt.ArrayLike) -> IdArray:
        """The position of each of `posting_ids`, or -1 for those that are not the user's."""
        return self._positions.lookup(posting_ids)

    def positions_of(self, posting_ids: npt.ArrayLike) -> IdArray:
        """The positions of those `posting_ids` that are the user's (others are ignored)."""
        found = self.lookup(posting_ids)
        return found[found >= 0]

    def of_ids(self, posting_ids: npt.ArrayLike) -> int:
        """The set of those `posting_ids` that are the user's (others are ignored)."""
        return from_positions(self.size, self.positions_of(posting_ids))

    def with_added(self, added: AddedLinks) -> tuple[RankingOrder, IdArray] | None:
        """The order of this index's postings and the `added` links together, and where
        this index's postings stand in it (what `extended` takes); None when `added` does
        not fit this index (a posting just before one of them is missing). Links already
        held (added while this index was read) are left where they are. CPU work."""
        size, count = self.size, len(added.ids)
        before = self.lookup(added.before)
        # A link's slot is how many held postings come before it: one more than the
        # position of the posting before it, or the slot of the added link before it.
        placed = (added.before == 0) | (before >= 0)
        follows = np.zeros(count, dtype=np.bool_)
        follows[1:] = added.before[1:] == added.ids[:-1]
        if not (placed | follows).all():
            return None
        latest = np.maximum.accumulate(np.where(placed, np.arange(count), 0))
        new = self.lookup(added.ids) < 0
        slots = (before + 1)[latest][new]
        if (np.diff(slots) < 0).any():
            return None
        everything = np.arange(size)
        places = everything + np.searchsorted(slots, everything, side="right")
        arrived = slots + np.arange(len(slots))
        ids = np.empty(size + len(slots), dtype=np.int64)
        groups = np.empty_like(ids)
        ids[places], groups[places] = self.ids, self.groups
        ids[arrived], groups[arrived] = added.ids[new], added.groups[new]
        filed = np.flatnonzero(groups != ids)
        return RankingOrder(ids, ids[filed], groups[filed]), places

    @property
    def fingerprint(self) -> bytes:
        """The name of this index's order (see `order_fingerprint`). CPU work at first."""
        if self._fingerprint is None:
            self._fingerprint = order_fingerprint(self.order())
        return self._fingerprint

    def order(self) -> RankingOrder:
        """The order this index holds (as the database gave it). CPU work."""
        filed = np.flatnonzero(self.groups != self.ids)
        return RankingOrder(self.ids, self.ids[filed], self.groups[filed])

    def stored_form(self) -> tuple[RankingOrder, bytes]:
        """The order and fingerprint to store this index by, the order derived once."""
        order = self.order()
        if self._fingerprint is None:
            self._fingerprint = order_fingerprint(order)
        return order, self._fingerprint

    def keyword_items(self) -> list[tuple[Hashable, int]]:
        """Every kept keyword set, by its key."""
        with self._lock:
            return list(self._keyword_sets.items())

    def indexed_keywords(self) -> list[KeywordTokens]:
        """The keywords whose sets are kept and that the search index answers."""
        with self._lock:
            return [key for key in self._keyword_sets if isinstance(key, KeywordTokens)]

    def extended(
        self,
        version: int,
        order: RankingOrder,
        new_places: IdArray,
        keyword_ids: Mapping[KeywordTokens, IdArray],
        inexact: Sequence[PostingText] = (),
    ) -> RankingIndex:
        """The index of `order`, which holds this index's postings at `new_places` (see
        `with_added`) and new ones: the kept keyword sets carried over with the new
        postings each matches (`keyword_ids`; the others are dropped, as are the filter
        sets), `inexact` the new postings the search index holds only approximately.
        CPU work."""
        index = RankingIndex.build(version, order, [*self.inexact, *inexact])
        for key, bitmap in self.keyword_items():
            matched = keyword_ids.get(key) if isinstance(key, KeywordTokens) else None
            if matched is not None:
                carried = moved(bitmap, self.size, new_places, index.size)
                index._keyword_sets[key] = carried | index.of_ids(matched)
        return index

    @property
    def size(self) -> int:
        """How many postings the user has."""
        return len(self.ids)

    @property
    def nbytes(self) -> int:
        """Bytes the index holds: its arrays (their own count), its sets (each an int's
        size), the names of its locations and companies and the few postings kept in
        full. A sum over parts, not a walk over every posting: the workspace pool asks
        after each ranking."""
        arrays = [self.ids, self.groups, self._members, self._member_groups]
        if self.salaried is not None:
            arrays.append(self.salaried)
        names = 0
        for by_value in (self.locations, self.companies):
            if by_value is not None:
                arrays.extend(by_value.values())
                names += sum(sys.getsizeof(name) for name in by_value)
        with self._lock:
            bitmaps = [self.in_groups, *self._keyword_sets.values(), *self._filter_sets.values()]
        texts = sum(
            sys.getsizeof(posting.title) + sys.getsizeof(posting.description)
            for posting in self.inexact
        )
        return (
            sum(array.nbytes for array in arrays)
            + self._positions.nbytes
            + sum(sys.getsizeof(bitmap) for bitmap in bitmaps)
            + names
            + texts
        )

    @property
    def everything(self) -> int:
        """The set of all the user's postings."""
        return (1 << self.size) - 1

    def group_of(self, position: int) -> list[int]:
        """The ids of the user's postings in the group of the one at `position` (the same
        job on several boards), lowest first; just its own id when it is alone."""
        group = self.groups[position]
        start, end = np.searchsorted(self._member_groups, [group, group + 1])
        if end - start < 2:
            return [int(self.ids[position])]
        return sorted(int(posting_id) for posting_id in self.ids[self._members[start:end]])

    def by_value(self, rows: Sequence[ValueIds], key: Callable[[str], str]) -> dict[str, IdArray]:
        """Positions by `key(value)` from `(value, joined ids)` rows. CPU work: a thread."""
        if not rows:
            return {}
        # Every row's ids parsed and found at once, then cut back into rows.
        counts = [joined.count(",") + 1 for _value, joined in rows]
        found = self.lookup(id_array(",".join(joined for _value, joined in rows)))
        parts: dict[str, list[IdArray]] = {}
        cuts = np.cumsum(counts)[:-1]
        for (value, _joined), part in zip(rows, np.split(found, cuts), strict=True):
            parts.setdefault(key(value), []).append(part[part >= 0])
        return {name: np.concatenate(members) for name, members in parts.items()}

    def located(self, wanted: str) -> int:
        """Postings whose location contains `wanted` (case-folded), as the rule says."""
        assert self.locations is not None, "load the locations first"
        key = ("location", wanted)
        cached = self._cached(self._filter_sets, key)
        if cached is not None:
            return cached
        matching = [members for place, members in self.locations.items() if wanted in place]
        return self._keep(self._filter_sets, key, self._of_positions(matching))

    def remote(self) -> int:
        """Postings whose location says they are remote (`filters.is_remote`): the rule
        asked once per distinct location, not per posting."""
        assert self.locations is not None, "load the locations first"
        key = ("remote",)
        cached = self._cached(self._filter_sets, key)
        if cached is not None:
            return cached
        matching = [members for place, members in self.locations.items() if is_remote(place)]
        return self._keep(self._filter_sets, key, self._of_positions(matching))

    def with_salary(self) -> int:
        """Postings that state a salary."""
        salaried = self.salaried
        assert salaried is not None, "load the salaries first"
        return self.memo(("salary",), lambda: self._of_positions([salaried]))

    def of_companies(self, keys: frozenset[str]) -> int:
        """Postings of the companies with these keys (see `tracking.company_key`)."""
        assert self.companies is not None, "load the companies first"
        key = ("companies", keys)
        cached = self._cached(self._filter_sets, key)
        if cached is not None:
            return cached
        members = [self.companies[name] for name in keys if name in self.companies]
        return self._keep(self._filter_sets, key, self._of_positions(members))

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

    def _of_positions(self, parts: Sequence[IdArray]) -> int:
        return from_positions(self.size, np.concatenate(parts)) if parts else 0

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


def _group_members(ids: IdArray, groups: IdArray) -> IdArray:
    """The positions whose group holds several postings, sorted by group, then position.

    Only a posting filed under another's id, or one others are filed under, can share a
    group (a few in a hundred): just those are sorted, not every position.
    """
    filed_elsewhere = groups != ids
    candidates = np.flatnonzero(filed_elsewhere | np.isin(ids, groups[filed_elsewhere]))
    by_group = candidates[np.argsort(groups[candidates], kind="stable")]
    # Sorted by group, a group of several is a run of equal values.
    sorted_groups = groups[by_group]
    repeated = sorted_groups[1:] == sorted_groups[:-1]
    shared = np.zeros(len(by_group), dtype=np.bool_)
    shared[1:] |= repeated
    shared[:-1] |= repeated
    return by_group[shared]
