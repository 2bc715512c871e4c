"""The rows of a posting file read a piece at a time, so a file of any size is imported in
bounded memory (`dreamjob import`).

A JSON document is parsed incrementally by ijson (its C backend: faster than `json.load`
of the whole file, and only one row is ever built at once); JSON Lines and CSV are read a
line at a time (`files.py`). A JSON Lines line that is not JSON is one rejected row, since
the lines after it are still readable; a JSON document broken anywhere cannot be read past
the break, so it raises `DocumentError` once the rows before it have been handed out.
"""

from __future__ import annotations

import codecs
from collections.abc import Iterator
from itertools import islice
from pathlib import Path
from types import TracebackType
from typing import Any, BinaryIO

import ijson

from dreamjobsearch.sources.files import (
    EMPTY,
    NOT_UTF8,
    WRONG_SHAPE,
    DocumentError,
    DocumentKind,
    csv_rows,
    json_lines_rows,
)

WHITESPACE = b" \t\r\n"
POSTINGS_KEY = "postings"


class RowStream:
    """The rows of one open file, in order, with how far into the file reading has got
    (bytes, and `rows_taken`)."""

    def __init__(self, file: BinaryIO, rows: Iterator[Any]) -> None:
        self._file = file
        self._rows = rows
        self.rows_taken = 0

    @property
    def bytes_read(self) -> int:
        """Bytes of the file read so far (read ahead of the rows handed out by a buffer)."""
        return self._file.tell()

    def take(self, count: int) -> list[Any]:
        """The next `count` rows or fewer (none: the end); `DocumentError` where the file
        cannot be read further. Blocking I/O and CPU work: call it in a thread."""
        rows = list(islice(self._rows, count))
        self.rows_taken += len(rows)
        return rows

    def __enter__(self) -> RowStream:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._file.close()


def open_rows(path: Path, kind: DocumentKind) -> RowStream:
    """The rows of the file at `path`, read as `kind` (blocking: call it in a thread)."""
    file = path.open("rb")
    try:
        readers = {"json": _json_rows, "jsonl": json_lines_rows, "csv": csv_rows}
        return RowStream(file, readers[kind](file))
    except BaseException:
        file.close()
        raise


def _json_rows(file: BinaryIO) -> Iterator[Any]:
    first = _skip_bom_and_space(file)
    if first == b"[":
        return _json_errors(ijson.items(file, "item", use_float=True), file)
    if first == b"{":
        events = _only_postings_key(ijson.parse(file, use_float=True))
        return _json_errors(ijson.items(events, POSTINGS_KEY + ".item"), file)
    if not first:
        raise DocumentError(f"the file is not valid JSON: {EMPTY}", 1, EMPTY)
    raise DocumentError(WRONG_SHAPE, 1, WRONG_SHAPE)


def _skip_bom_and_space(file: BinaryIO) -> bytes:
    """The first byte that is not a byte-order mark or white space, left unread."""
    head = file.read(len(codecs.BOM_UTF8))
    start = len(codecs.BOM_UTF8) if head == codecs.BOM_UTF8 else 0
    file.seek(start)
    while (byte := file.read(1)) and byte in WHITESPACE:
        start += 1
    file.seek(start)
    return byte


def _only_postings_key(events: Iterator[tuple[str, str, Any]]) -> Iterator[tuple[str, str, Any]]:
    """ijson's events, refusing an object document with any key but `postings` (whatever
    else it holds would otherwise be dropped without a word)."""
    for event in events:
        prefix, name, value = event
        if not prefix and name == "map_key" and value != POSTINGS_KEY:
            raise DocumentError(WRONG_SHAPE, None, WRONG_SHAPE)
        if prefix == POSTINGS_KEY and name not in ("start_array", "end_array"):
            raise DocumentError(WRONG_SHAPE, None, WRONG_SHAPE)
        yield event


def _json_errors(rows: Iterator[Any], file: BinaryIO) -> Iterator[Any]:
    """`rows`, with ijson's errors as `DocumentError`s saying where reading stopped."""
    try:
        yield from rows
    except ijson.JSONError as error:
        # Only ijson's first line: the lines after it quote the file's text.
        problem = str(error).splitlines()[0] if str(error) else "it ends too soon"
        if "premature EOF" in problem:
            problem = "it ends in the middle: is the file cut short?"
        at = file.tell()
        raise DocumentError(
            f"the file is not valid JSON ({problem}) within its first {at} bytes", None
        ) from error
    except UnicodeDecodeError as error:
        raise DocumentError(f"the file is not valid JSON: {NOT_UTF8}", None, NOT_UTF8) from error
