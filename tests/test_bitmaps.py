"""Sets of postings as integers: building, reading back, and counting scores."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from dreamjobsearch.search.bitmaps import (
    ScoreCounter,
    few,
    from_positions,
    positions,
    spread,
    union,
)

SIZE = 300
position_sets = st.sets(st.integers(0, SIZE - 1), max_size=SIZE)


@given(chosen=position_sets)
def test_positions_read_back_what_was_set(chosen: set[int]) -> None:
    bitmap = from_positions(SIZE, [*chosen, *chosen, SIZE])  # repeats and "none" are fine
    assert list(positions(bitmap)) == sorted(chosen)
    assert bitmap.bit_count() == len(chosen)


@given(sets=st.lists(position_sets, min_size=1, max_size=9))
def test_scores_count_the_sets_holding_each_position(sets: list[set[int]]) -> None:
    bitmaps = [from_positions(SIZE, chosen) for chosen in sets]
    counter = ScoreCounter(bitmaps)
    everything = union(bitmaps)
    for position in range(SIZE):
        expected = sum(position in chosen for chosen in sets)
        assert counter.score_at(position) == expected
    for score in range(len(sets) + 1):
        expected_level = {p for p in range(SIZE) if sum(p in chosen for chosen in sets) == score}
        within = (1 << SIZE) - 1 if score == 0 else everything
        assert set(positions(counter.level(score, within))) == expected_level


def test_empty_sets() -> None:
    assert from_positions(0, []) == 0
    assert list(positions(0)) == []
    assert ScoreCounter([0]).score_at(5) == 0


@given(chosen=position_sets, inserted=st.sets(st.integers(0, 2 * SIZE - 1), max_size=SIZE))
def test_spreading_makes_room_for_inserted_positions(chosen: set[int], inserted: set[int]) -> None:
    # Old positions, in order, go to the new positions that are not inserted ones.
    room = [p for p in range(SIZE + len(inserted)) if p not in inserted]
    moved = {room[p] for p in chosen if p < len(room)}
    bitmap = from_positions(SIZE, [p for p in chosen if p < len(room)])
    assert set(positions(spread(bitmap, sorted(inserted)))) == moved
    assert few(chosen) == from_positions(SIZE, chosen)
