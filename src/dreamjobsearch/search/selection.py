"""Choosing a page of ranked postings from keyword sets: the ranking rule on bitmaps.

The rule (`domain.ranking.rank`): score = keywords matched; best first, ties newest first (the
index's positions are already in that order); the same job on several boards is one result,
its best posting. Here the scores of all postings come from bit-sliced counting, each score
level is one set, and a page is the lowest positions of the top levels.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from itertools import islice
from typing import Literal

import numpy as np

from dreamjobsearch.search.bitmaps import (
    ScoreCounter,
    from_positions,
    positions,
    to_positions,
    union,
)
from dreamjobsearch.search.index import RankingIndex

Sort = Literal["score", "date"]


@dataclass(frozen=True, slots=True)
class Pick:
    """A chosen posting: its position in the index, score, and the keywords it matched."""

    position: int
    score: int
    matched: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class Selection:
    """How many results there are in all, and the chosen page of them."""

    total: int
    picks: list[Pick]


def select_page(
    index: RankingIndex,
    keyword_sets: Sequence[int],
    allowed: int,
    sort: Sort,
    offset: int,
    limit: int | None,
) -> Selection:
    """The results among `allowed` matching any keyword (all of them, with no keywords):
    their count and one page.

    `sort="score"` is the ranking rule's order; `"date"` is newest first whatever the
    score, as is any order without keywords (every score is 0). `limit=None` takes every
    result from `offset` on. CPU work: run it in a thread.
    """
    counter = ScoreCounter(keyword_sets, index.size)
    matching = union(keyword_sets) & allowed if keyword_sets else allowed
    # The same ranking again (the next page, the other order) skips the group work.
    candidates = index.memo(
        ("one per group", tuple(keyword_sets), allowed),
        lambda: _one_per_group(index, counter, matching),
    )
    ordered = (
        _by_score(counter, candidates, len(keyword_sets))
        if sort == "score" and keyword_sets
        else positions(candidates)
    )
    end = None if limit is None else offset + limit
    chosen = list(islice(ordered, offset, end))
    scores = counter.scores_at(np.array(chosen, dtype=np.int64)).tolist()
    membership = [_bytes(keyword_set) for keyword_set in keyword_sets]
    picks = [
        Pick(position, score, _matched(membership, position))
        for position, score in zip(chosen, scores, strict=True)
    ]
    return Selection(total=candidates.bit_count(), picks=picks)


def _by_score(counter: ScoreCounter, candidates: int, most: int) -> Iterator[int]:
    for score in range(most, 0, -1):
        level = counter.level(score, candidates)
        if level:
            yield from positions(level)
            candidates &= ~level
            if not candidates:
                return


def _one_per_group(index: RankingIndex, counter: ScoreCounter, candidates: int) -> int:
    """`candidates` keeping, of each cross-board group, only its best posting: the highest
    score, then the lowest position (the newest), as the rule picks it."""
    grouped = candidates & index.in_groups
    if not grouped:
        return candidates
    where = to_positions(grouped, index.size)
    groups = index.groups[where]
    # Sorted by group, then best first: the first of each group wins.
    ranked = np.lexsort((where, -counter.scores_at(where), groups))
    first = np.ones(len(ranked), dtype=np.bool_)
    first[1:] = groups[ranked[1:]] != groups[ranked[:-1]]
    return (candidates & ~grouped) | from_positions(index.size, where[ranked[first]])


def _bytes(bitmap: int) -> bytes:
    # Reading single bits from bytes is constant time; shifting a big integer is not.
    return bitmap.to_bytes((bitmap.bit_length() + 7) // 8, "little")


def _matched(membership: Sequence[bytes], position: int) -> tuple[int, ...]:
    index, bit = divmod(position, 8)
    return tuple(
        number
        for number, data in enumerate(membership)
        if index < len(data) and data[index] >> bit & 1
    )
