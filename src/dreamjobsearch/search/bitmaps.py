"""Sets of postings as Python integers: bit `n` set means the posting at position `n` is in.

Union, intersection and counting of 100,000-bit sets run in C over machine words, so a
ranking combines keyword sets in microseconds where a loop over postings takes tenths of a
second. Scores are counted bit-sliced: slice `j` holds bit `j` of every posting's score.
Going between sets and arrays of positions (thousands at once, on every index build) is
NumPy's work: packing bits, never a Python loop per posting.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from itertools import compress, count

import numpy as np
import numpy.typing as npt

Positions = npt.NDArray[np.int64]

_DIGIT_VALUES = bytes.maketrans(b"01", b"\x00\x01")
_ONE_DIGIT = re.compile("1")
# Below one set bit in this many, finding the ones beats walking every digit.
_SPARSE = 6


def _from_mask(mask: npt.NDArray[np.bool_]) -> int:
    return int.from_bytes(np.packbits(mask, bitorder="little").tobytes(), "little")


def _mask(bitmap: int, size: int) -> npt.NDArray[np.bool_]:
    """Position `n` is True when bit `n` is set (positions from `size` on are cut off)."""
    within = bitmap & ((1 << size) - 1)
    data = np.frombuffer(within.to_bytes((size + 7) // 8, "little"), dtype=np.uint8)
    return np.unpackbits(data, count=size, bitorder="little").view(np.bool_)


def from_positions(size: int, chosen: npt.ArrayLike) -> int:
    """The set of the `chosen` positions (each below `size`; repeats are fine)."""
    mask = np.zeros(size, dtype=np.bool_)
    mask[np.asarray(chosen, dtype=np.int64)] = True
    return _from_mask(mask)


def to_positions(bitmap: int, size: int) -> Positions:
    """The positions in the set (all below `size`), lowest first, as an array."""
    return np.flatnonzero(_mask(bitmap, size)).astype(np.int64)


def moved(bitmap: int, size: int, new_places: Positions, new_size: int) -> int:
    """The set of `size` positions after position `n` moved to `new_places[n]`."""
    mask = np.zeros(new_size, dtype=np.bool_)
    mask[new_places] = _mask(bitmap, size)
    return _from_mask(mask)


def to_bytes(bitmap: int, size: int) -> bytes:
    """The set of positions below `size` as bytes, lowest position first (to store it)."""
    return bitmap.to_bytes((size + 7) // 8, "little")


def from_bytes(data: bytes, size: int) -> int | None:
    """The set `to_bytes(..., size)` wrote; None when `data` is not of that size."""
    if len(data) != (size + 7) // 8:
        return None
    return int.from_bytes(data, "little") & ((1 << size) - 1)


def positions(bitmap: int) -> Iterator[int]:
    """The positions in the set, lowest first, one at a time (a page reads only a few)."""
    # From the binary digits, lowest first, with C-level scans: a sparse set is searched
    # for its ones, a dense one selects positions from a counter digit by digit.
    digits = bin(bitmap)[:1:-1]
    if bitmap.bit_count() * _SPARSE < len(digits):
        return map(re.Match.start, _ONE_DIGIT.finditer(digits))
    return compress(count(), digits.encode("ascii").translate(_DIGIT_VALUES))


def union(bitmaps: Iterable[int]) -> int:
    """Every position in any of the sets."""
    result = 0
    for bitmap in bitmaps:
        result |= bitmap
    return result


class ScoreCounter:
    """How many of the given sets hold each position, for every position at once."""

    __slots__ = ("_scores", "_size", "_slices")

    def __init__(self, bitmaps: Sequence[int], size: int) -> None:
        slices: list[int] = [0] * max(1, len(bitmaps).bit_length())
        for bitmap in bitmaps:
            carry = bitmap
            for index, current in enumerate(slices):
                slices[index] = current ^ carry
                carry &= current
                if not carry:
                    break
        self._slices = slices
        self._size = size
        self._scores: npt.NDArray[np.int64] | None = None

    def level(self, score: int, within: int) -> int:
        """The positions of `within` held by exactly `score` sets."""
        result = within
        for index, current in enumerate(self._slices):
            result &= current if score >> index & 1 else ~current
        return result

    def scores_at(self, chosen: Positions) -> npt.NDArray[np.int64]:
        """How many sets hold each of the `chosen` positions."""
        if self._scores is None:
            scores = np.zeros(self._size, dtype=np.int64)
            for bit, current in enumerate(self._slices):
                scores += _mask(current, self._size).astype(np.int64) << bit
            self._scores = scores
        return self._scores[chosen]
