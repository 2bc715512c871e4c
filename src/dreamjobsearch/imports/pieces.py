"""One piece of a posting file: its rows read, validated and prepared to store."""

from __future__ import annotations

from dataclasses import dataclass

from dreamjobsearch.sources.file_stream import RowStream
from dreamjobsearch.sources.files import Rejection, parse_rows
from dreamjobsearch.storage.prepared import PreparedPostings, prepare_postings

# Rows of the first piece: storing starts as soon as it is ready (a piece of 2,500 kept the
# import waiting about 0.9 s for it, this one 0.16-0.3 s, most of it the reader starting).
FIRST_PIECE = 250
# Rows of a whole piece. Each piece is stored in its own transaction, and a commit writes
# again every index page the piece touched, all over the hash indexes: pieces of 5,000
# wrote a quarter less than pieces of 2,500 (docs/benchmarks.md). Memory holds three at
# most (one stored, the next decoded, one prepared by the reader).
FILE_CHUNK = 5000


def piece_size(rows_before: int) -> int:
    """Rows of the piece after the first `rows_before` rows of a file: as many as all the
    pieces before it, from `FIRST_PIECE` up to `FILE_CHUNK`, so that the reader's next
    piece is ready about when the last is stored."""
    return min(FILE_CHUNK, max(FIRST_PIECE, rows_before))


@dataclass(frozen=True, slots=True)
class Piece:
    """A piece of a file: its postings prepared to store, its rejected rows, and how far
    into the file it ends (bytes, rows)."""

    prepared: PreparedPostings
    rejected: list[Rejection]
    bytes_read: int
    rows_read: int


def read_piece(stream: RowStream, owner: int, postgresql: bool) -> Piece | None:
    """The next piece of `stream` (`piece_size` rows), prepared to store as `owner`'s
    private postings (search index rows for PostgreSQL with `postgresql`); None at the
    end. `DocumentError` where the file cannot be read further. Blocking I/O and CPU work:
    never on the event loop."""
    first_index = stream.rows_taken
    rows = stream.take(piece_size(first_index))
    if not rows:
        return None
    parsed = parse_rows(rows, first_index=first_index)
    return Piece(
        prepare_postings(parsed.postings, owner, postgresql),
        parsed.rejected,
        stream.bytes_read,
        stream.rows_taken,
    )
