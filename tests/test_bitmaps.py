"""Sets of postings as integers: building, reading back, moving, and counting scores."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from dreamjobsearch.search.bitmaps import (
    ScoreCounter,
    from_positions,
    moved,
    positions,
    to_positions,
    union,
)

SIZE = 300
position_sets = st.sets(st.integers(0, SIZE - 1), max_size=SIZE)


@given(chosen=position_sets)
def test_positions_read_back_what_was_set(chosen: set[int]) -> None:
    bitmap = from_positions(SIZE, [*chosen, *chosen])  # repeats are fine
    assert list(positions(bitmap)) == sorted(chosen)
    assert to_positions(bitmap, SIZE).tolist() == sorted(chosen)
    assert bitmap.bit_count() == len(chosen)


@given(sets=st.lists(position_sets, min_size=1, max_size=9))
def test_scores_count_the_sets_holding_each_position(sets: list[set[int]]) -> None:
    bitmaps = [from_positions(SIZE, sorted(chosen)) for chosen in sets]
    counter = ScoreCounter(bitmaps, SIZE)
    everything = union(bitmaps)
    expected = [sum(position in chosen for chosen in sets) for position in range(SIZE)]
    assert counter.scores_at(np.arange(SIZE)).tolist() == expected
    for score in range(len(sets) + 1):
        expected_level = {p for p in range(SIZE) if expected[p] == score}
        within = (1 << SIZE) - 1 if score == 0 else everything
        assert set(positions(counter.level(score, within))) == expected_level


def test_empty_sets() -> None:
    assert from_positions(0, []) == 0
    assert list(positions(0)) == []
    assert to_positions(0, 0).tolist() == []
    assert ScoreCounter([0], 8).scores_at(np.array([5])).tolist() == [0]


@given(chosen=position_sets, inserted=st.sets(st.integers(0, 2 * SIZE - 1), max_size=SIZE))
def test_moving_makes_room_for_inserted_positions(chosen: set[int], inserted: set[int]) -> None:
    # Old positions, in order, go to the new positions that are not inserted ones.
    new_size = SIZE + len(inserted)
    room = np.array([p for p in range(new_size) if p not in inserted][:SIZE], dtype=np.int64)
    kept = {p for p in chosen if p < len(room)}
    bitmap = from_positions(SIZE, sorted(kept))
    result = moved(bitmap, len(room), room, new_size)
    assert list(positions(result)) == sorted(room[p] for p in kept)
