"""The reader process: `python -m dreamjobsearch.imports.reader_process PATH KIND OWNER
DATABASE` reads the file a piece at a time and sends each piece, prepared to store, to its
parent on standard output (`frames.py`).

It loads only the file readers and the preparation (no database layer, no web framework),
so it starts in about half a second. Writing blocks while the parent has not read the last
piece, so at most one piece waits here; when the parent is gone the write fails and this
process ends.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import BinaryIO, cast

from dreamjobsearch.imports.frames import Unreadable, write_message
from dreamjobsearch.imports.pieces import read_piece
from dreamjobsearch.sources.file_stream import open_rows
from dreamjobsearch.sources.files import DocumentError, DocumentKind


def send_pieces(
    path: Path, kind: DocumentKind, owner: int, postgresql: bool, out: BinaryIO
) -> None:
    """Send every piece of the file at `path` to `out`, then the end (or where the file
    cannot be read further)."""
    with open_rows(path, kind) as stream:
        try:
            while (piece := read_piece(stream, owner, postgresql)) is not None:
                write_message(out, piece)
        except DocumentError as error:
            write_message(out, Unreadable(error.message, error.line))
            return
    write_message(out, None)


def main(arguments: list[str]) -> int:
    """Run the reader for `PATH KIND OWNER DATABASE` (sqlite or postgresql)."""
    path, kind, owner, database = arguments
    out = sys.stdout.buffer
    # Standard output carries the frames: anything else printed goes to standard error.
    sys.stdout = sys.stderr
    try:
        send_pieces(Path(path), cast(DocumentKind, kind), int(owner), database == "postgresql", out)
    except BrokenPipeError:
        return 1  # the parent stopped reading: the import ended without us
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
