"""A large file is read and prepared by a reader process beside the import: the same
pieces as reading it in the importing process, a broken file stopped where it breaks, a
reader that dies reported with what was stored, and no reader left behind."""

from __future__ import annotations

import csv
import json
import os
import signal
from collections.abc import Callable
from contextlib import aclosing
from pathlib import Path
from typing import Any

import httpx
import pytest
from support import LiveServer, register
from test_cli_import import postings_of
from test_import_stream import piece_ends

from dreamjobsearch.imports.pieces import Piece, read_piece
from dreamjobsearch.imports.reader import PROCESS_MIN_BYTES, file_pieces
from dreamjobsearch.sources.file_stream import open_rows
from dreamjobsearch.sources.files import DocumentError, DocumentKind
from dreamjobsearch.workspace import ImportInterruptedError

OWNER = 7
# Rows of a large file: several pieces.
ROWS = 1_500
# Long enough that `ROWS` rows make a file a reader process reads.
DESCRIPTION = "Build data pipelines in Python, and care for them. " * 130


def large_rows() -> list[dict[str, Any]]:
    """Rows filling more than `PROCESS_MIN_BYTES`: a rejected one, a repeat, one in German."""
    rows: list[dict[str, Any]] = [
        {
            "link": f"https://careers.example.com/jobs/{number}",
            "title": f"Engineer {number}",
            "company": "Example",
            "location": "Berlin",
            "description": f"{DESCRIPTION} Team {number}.",
        }
        for number in range(ROWS)
    ]
    rows[10] = {"title": "No link"}
    rows[ROWS - 300] = rows[3]
    rows[20]["description"] = "Wir suchen Verstärkung: Datenbanken, Straße, Größe. " * 140
    return rows


def write_lines(path: Path, rows: list[dict[str, Any]]) -> Path:
    with path.open("w", encoding="utf-8") as out:
        for row in rows:
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
    assert path.stat().st_size >= PROCESS_MIN_BYTES
    return path


def write_csv(path: Path, rows: list[dict[str, Any]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.DictWriter(
            out, fieldnames=["link", "title", "company", "location", "description"]
        )
        writer.writeheader()
        writer.writerows(rows)
    assert path.stat().st_size >= PROCESS_MIN_BYTES
    return path


def reader_processes(path: Path) -> list[int]:
    """The pids of the reader processes reading `path`."""
    pids = []
    for entry in Path("/proc").iterdir():
        try:
            command = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:  # not a process, or ended meanwhile
            continue
        if b"dreamjobsearch.imports.reader_process" in command and str(path).encode() in command:
            pids.append(int(entry.name))
    return pids


def comparable(piece: Piece) -> tuple[Any, ...]:
    """A piece without the moment it was prepared."""
    rows = {key: {**row, "created_at": None} for key, row in piece.prepared.rows.items()}
    return (
        rows,
        piece.prepared.index_rows,
        piece.prepared.repeats,
        piece.rejected,
        piece.bytes_read,
        piece.rows_read,
    )


@pytest.mark.parametrize(
    ("kind", "postgresql"), [("jsonl", False), ("jsonl", True), ("csv", False)]
)
async def test_a_reader_process_prepares_the_same_pieces(
    tmp_path: Path, kind: DocumentKind, postgresql: bool
) -> None:
    write = write_csv if kind == "csv" else write_lines
    path = write(tmp_path / f"large.{kind}", large_rows())
    with open_rows(path, kind) as stream:
        expected = []
        while (piece := read_piece(stream, OWNER, postgresql)) is not None:
            expected.append(comparable(piece))

    got, readers = [], []
    async with aclosing(file_pieces(path, kind, OWNER, postgresql)) as pieces:
        async for piece in pieces:
            readers.append(reader_processes(path))
            got.append(comparable(piece))

    assert got == expected
    assert [piece[-1] for piece in got] == piece_ends(ROWS)
    assert len(got) > 2
    assert readers[0], "a file this large is read by a reader process"
    assert not reader_processes(path)


async def test_a_large_file_cut_short_stops_after_the_pieces_before_the_break(
    tmp_path: Path,
) -> None:
    rows = large_rows()
    path = tmp_path / "cut.json"
    whole = json.dumps({"postings": rows}).encode()
    path.write_bytes(whole[: whole.index(f"/jobs/{ROWS - 100}".encode())])
    assert path.stat().st_size >= PROCESS_MIN_BYTES

    got: list[int] = []

    async def read_all() -> None:
        async with aclosing(file_pieces(path, "json", OWNER, False)) as pieces:
            async for piece in pieces:
                got.append(piece.rows_read)

    with pytest.raises(DocumentError, match=r"premature EOF|cut short"):
        await read_all()

    assert got == [end for end in piece_ends(ROWS) if end < ROWS - 100]
    assert len(got) > 1
    assert not reader_processes(path)


async def test_stopping_early_ends_the_reader_process(tmp_path: Path) -> None:
    path = write_lines(tmp_path / "large.jsonl", large_rows())

    async with aclosing(file_pieces(path, "jsonl", OWNER, False)) as pieces:
        async for _piece in pieces:
            assert reader_processes(path)
            break

    assert not reader_processes(path)


async def test_a_reader_process_that_dies_stops_the_import_with_what_was_stored(
    server: LiveServer, client: httpx.AsyncClient, tmp_path: Path
) -> None:
    await register(client, "killed@example.com")
    account = await server.services.users.by_email("killed@example.com")
    assert account is not None
    path = write_lines(tmp_path / "large.jsonl", large_rows())
    workspace = server.services.workspace_for(account.id, account.email)

    # Killed once the first piece is stored.
    def kill_the_reader(_bytes: int, _rows: int) -> None:
        for pid in reader_processes(path):
            os.kill(pid, signal.SIGKILL)

    progress: Callable[[int, int], None] = kill_the_reader
    with pytest.raises(ImportInterruptedError) as stopped:
        await workspace.import_file(path, "jsonl", progress)

    message = stopped.value.message
    assert "the process reading the file stopped unexpectedly" in message
    # What had arrived whole is stored and said: the first piece, and the second when it
    # was read ahead while the first was stored (its row without a link rejected).
    stored = await postings_of(server, "killed@example.com")
    assert stored in {end - 1 for end in piece_ends(ROWS)[:2]}
    assert f"Stored before it: {stored} new postings, 0 duplicates, 1 rows" in message
