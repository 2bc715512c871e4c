"""Where posting ids stand in a user's index, found for hundreds of thousands at once.

A ranking turns every keyword's hits (300,000 ids at 100,000 postings and 20 keywords) and
every filter's ids into positions. When the user's ids are close together, as one user's
postings usually are, a table over their range gives each position in one step (a few
bytes per posting; building it costs less than sorting); when they are spread far apart, a
binary search in the sorted ids does it in little memory.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np
import numpy.typing as npt

from dreamjobsearch.storage.search_index import IdArray

# A table is used while the ids span at most this many values per posting (4 bytes each).
TABLE_SPAN = 8


class IdPositions(Protocol):
    """The positions of an index's posting ids."""

    def lookup(self, posting_ids: npt.ArrayLike) -> IdArray:
        """The position of each of `posting_ids`, or -1 for those not in the index."""
        ...

    @property
    def nbytes(self) -> int:
        """Bytes the lookup's arrays take."""
        ...


def id_positions(ids: IdArray) -> IdPositions:
    """The positions of `ids` (unique), in the form that suits their spread. CPU work."""
    if not len(ids):
        return _Sorted(ids, ids)
    lowest, highest = int(ids.min()), int(ids.max())
    if highest - lowest < TABLE_SPAN * len(ids):
        table = np.full(highest - lowest + 1, -1, dtype=np.int32)
        table[ids - lowest] = np.arange(len(ids), dtype=np.int32)
        return _Table(lowest, table)
    by_id = np.argsort(ids, kind="stable")
    return _Sorted(ids[by_id], by_id)


@dataclass(frozen=True, slots=True)
class _Table:
    """Position by `id - lowest`, -1 where there is no such posting."""

    lowest: int
    table: npt.NDArray[np.int32]

    def lookup(self, posting_ids: npt.ArrayLike) -> IdArray:
        offsets = np.asarray(posting_ids, dtype=np.int64) - self.lowest
        inside = (offsets >= 0) & (offsets < len(self.table))
        found = np.full(offsets.shape, -1, dtype=np.int64)
        found[inside] = self.table[offsets[inside]]
        return found

    @property
    def nbytes(self) -> int:
        """Bytes the table takes."""
        return self.table.nbytes


@dataclass(frozen=True, slots=True)
class _Sorted:
    """The ids sorted, and the position of each."""

    sorted_ids: IdArray
    by_id: IdArray

    def lookup(self, posting_ids: npt.ArrayLike) -> IdArray:
        wanted = np.asarray(posting_ids, dtype=np.int64)
        size = len(self.sorted_ids)
        if not size:
            return np.full(wanted.shape, -1, dtype=np.int64)
        where = np.minimum(np.searchsorted(self.sorted_ids, wanted), size - 1)
        return np.where(self.sorted_ids[where] == wanted, self.by_id[where], -1)

    @property
    def nbytes(self) -> int:
        """Bytes the sorted ids and their positions take."""
        return self.sorted_ids.nbytes + self.by_id.nbytes
