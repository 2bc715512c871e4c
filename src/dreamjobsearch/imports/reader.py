"""A posting file's pieces, each read, validated and prepared while the last is stored.

The preparation (validation, dedupe hashes, search index tokens) is CPU work, and so is
much of storing a piece. In a thread the two share one interpreter lock and take turns;
for a large file a reader process (`reader_process.py`) does the preparation on the other
core: an import of 50,000 postings went from about 30 s to 18 s on SQLite
(docs/benchmarks.md, "Ingest"). The process costs about half a second to start, more
than it saves on a small file, so a file under `PROCESS_MIN_BYTES` is read in a thread.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import AsyncGenerator
from contextlib import aclosing
from pathlib import Path

from dreamjobsearch.imports.frames import Unreadable, read_message
from dreamjobsearch.imports.pieces import Piece, read_piece
from dreamjobsearch.sources.file_stream import open_rows
from dreamjobsearch.sources.files import DocumentError, DocumentKind

# About 3,500 postings of a few hundred words: from there a reader process pays off.
PROCESS_MIN_BYTES = 8_000_000
# What this process buffers from the pipe beyond the piece it reads: at most about twice
# this, then the reader process waits (a whole piece of 5,000 postings is tens of megabytes).
_PIPE_LIMIT = 1024 * 1024


class ReaderFailedError(RuntimeError):
    """The reader process stopped before the end of the file (killed, out of memory...)."""


async def file_pieces(
    path: Path, kind: DocumentKind, owner: int, postgresql: bool
) -> AsyncGenerator[Piece, None]:
    """The pieces of the file at `path` as `owner`'s postings (for PostgreSQL with
    `postgresql`), in order, the next one prepared while the caller stores the last.

    Raises `DocumentError` where the file cannot be read further, after the pieces before
    that point; `ReaderFailedError` if the reader process dies. Close it (`aclosing`) to
    stop early: the thread finishes its piece, the process is killed.
    """
    size = (await asyncio.to_thread(path.stat)).st_size
    read = _in_process if size >= PROCESS_MIN_BYTES else _in_thread
    # Closed with this generator: an async generator left to the collector ends later.
    async with aclosing(read(path, kind, owner, postgresql)) as pieces:
        async for piece in pieces:
            yield piece


async def _in_thread(
    path: Path, kind: DocumentKind, owner: int, postgresql: bool
) -> AsyncGenerator[Piece, None]:
    with await asyncio.to_thread(open_rows, path, kind) as stream:
        pending = asyncio.ensure_future(asyncio.to_thread(read_piece, stream, owner, postgresql))
        try:
            while (piece := await pending) is not None:
                pending = asyncio.ensure_future(
                    asyncio.to_thread(read_piece, stream, owner, postgresql)
                )
                yield piece
        finally:
            # The file closes only once no thread reads it any more.
            await asyncio.gather(pending, return_exceptions=True)


async def _in_process(
    path: Path, kind: DocumentKind, owner: int, postgresql: bool
) -> AsyncGenerator[Piece, None]:
    database = "postgresql" if postgresql else "sqlite"
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "dreamjobsearch.imports.reader_process",
        str(path),
        kind,
        str(owner),
        database,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        limit=_PIPE_LIMIT,
        # Out of the terminal's process group: Ctrl-C stops the import, which stops this.
        start_new_session=True,
    )
    assert process.stdout is not None
    stdout = process.stdout
    # The next piece is read while the caller stores this one: decoding a piece (tens of
    # milliseconds) runs while the database works, not between its writes.
    pending = asyncio.ensure_future(_next_piece(process, stdout))
    try:
        while (piece := await pending) is not None:
            pending = asyncio.ensure_future(_next_piece(process, stdout))
            yield piece
    finally:
        pending.cancel()
        await asyncio.gather(pending, return_exceptions=True)
        if process.returncode is None:
            process.kill()
        await process.wait()


async def _next_piece(
    process: asyncio.subprocess.Process, stdout: asyncio.StreamReader
) -> Piece | None:
    """The reader process's next piece; None at the end of the file."""
    try:
        message = await read_message(stdout)
    except asyncio.IncompleteReadError as error:
        code = await process.wait()
        raise ReaderFailedError(
            f"the process reading the file stopped unexpectedly (exit code {code})"
        ) from error
    if isinstance(message, Unreadable):
        raise DocumentError(message.message, message.line)
    return message
