"""One piece of a posting file: its rows read, validated and prepared to store."""

from __future__ import annotations

from dataclasses import dataclass

from dreamjobsearch.sources.file_stream import RowStream
from dreamjobsearch.sources.files import Rejection, parse_rows
from dreamjobsearch.storage.prepared import PreparedPostings, prepare_postings

# Rows per piece: each is stored in its own transaction, and memory holds three at most
# (one stored, the next decoded, one prepared by the reader).
FILE_CHUNK = 2500
# Rows of the first piece: storing starts as soon as it is ready, while the reader prepares
# the next (a whole piece kept the import waiting about 0.9 s, this one about 0.4 s).
FIRST_PIECE = 250


@dataclass(frozen=True, slots=True)
class Piece:
    """A piece of a file: its postings prepared to store, its rejected rows, and how far
    into the file it ends (bytes, rows)."""

    prepared: PreparedPostings
    rejected: list[Rejection]
    bytes_read: int
    rows_read: int


def read_piece(stream: RowStream, owner: int, postgresql: bool) -> Piece | None:
    """The next piece of `stream` (`FIRST_PIECE` rows, then `FILE_CHUNK` each), prepared to
    store as `owner`'s private postings (search index rows for PostgreSQL with
    `postgresql`); None at the end. `DocumentError` where the file cannot be read further.
    Blocking I/O and CPU work: never on the event loop."""
    first_index = stream.rows_taken
    rows = stream.take(FIRST_PIECE if first_index == 0 else FILE_CHUNK)
    if not rows:
        return None
    parsed = parse_rows(rows, first_index=first_index)
    return Piece(
        prepare_postings(parsed.postings, owner, postgresql),
        parsed.rejected,
        stream.bytes_read,
        stream.rows_taken,
    )
