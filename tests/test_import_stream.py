"""`dreamjob import` of files of any size: read a piece at a time in bounded memory, each
piece stored in its own transaction, rejections reported, a broken file stopped clearly."""

from __future__ import annotations

import csv
import json
import tracemalloc
from pathlib import Path
from typing import Any

import httpx
import pytest
from conftest import ServerFactory
from support import LiveServer, bearer, register
from test_cli_import import dreamjob, postings_of

from dreamjobsearch.imports.pieces import piece_size
from dreamjobsearch.sources.file_stream import open_rows
from dreamjobsearch.sources.files import DocumentKind

# A row in a later piece than the first few.
LATER = 1_200


def piece_ends(rows: int) -> list[int]:
    """Where each piece of a file of `rows` rows ends, as an import reads it."""
    ends = [0]
    while ends[-1] < rows:
        ends.append(min(rows, ends[-1] + piece_size(ends[-1])))
    return ends[1:]


def row(number: int, description: str = "Python and SQL.") -> dict[str, Any]:
    """A short valid posting, its link unique to `number`."""
    return {
        "link": f"https://careers.example.com/jobs/{number}",
        "title": f"Engineer {number}",
        "company": "Example",
        "description": description,
    }


def write_json_lines(path: Path, rows: list[Any]) -> None:
    with path.open("w", encoding="utf-8") as out:
        for item in rows:
            out.write(json.dumps(item) + "\n")


def write_csv(path: Path, rows: list[dict[str, Any]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.DictWriter(out, fieldnames=["link", "title", "company", "description"])
        writer.writeheader()
        writer.writerows(rows)


@pytest.mark.slow
async def test_a_file_of_100000_postings_is_imported_in_one_command(
    server: LiveServer, client: httpx.AsyncClient, tmp_path: Path
) -> None:
    token = await register(client, "many@example.com")
    rows: list[Any] = [row(number) for number in range(100_000)]
    # A repeat in a later piece than its first copy, and one rejected row.
    rows[99_000] = row(7)
    rows[50_000] = {"link": "not a link", "title": "Broken"}
    path = tmp_path / "many.json"
    path.write_text(json.dumps({"postings": rows}), encoding="utf-8")

    result = await dreamjob(server, "import", str(path), "--email", "many@example.com")

    assert result.exit_code == 0, result.output
    assert "imported 99998, duplicates 1, rejected 1" in result.output
    assert "row 50000: link" in result.output
    assert await postings_of(server, "many@example.com") == 99_998
    ranked = await client.post(
        "/job-postings", json={"keywords": ["Engineer 99999"], "limit": 1}, headers=bearer(token)
    )
    assert ranked.json()["total"] == 1


# Rows a reading test takes at once: memory follows them, whatever the file's size.
TAKEN_AT_ONCE = 2_500


def _peak_while_reading(path: Path, kind: DocumentKind) -> tuple[int, int]:
    """Rows read from `path` `TAKEN_AT_ONCE` at a time, as an import takes its pieces, and
    the peak of memory allocated meanwhile."""
    read = 0
    tracemalloc.start()
    try:
        with open_rows(path, kind) as stream:
            while rows := stream.take(TAKEN_AT_ONCE):
                read += len(rows)
        return read, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def _posting_file(path: Path, kind: str, count: int) -> Path:
    rows = [row(number, "Build data pipelines in Python. " * 35) for number in range(count)]
    if kind == "json":
        path.write_text(json.dumps(rows), encoding="utf-8")
    elif kind == "jsonl":
        write_json_lines(path, rows)
    else:
        write_csv(path, rows)
    return path


@pytest.mark.parametrize("kind", ["json", "jsonl", "csv"])
def test_reading_a_file_keeps_memory_far_below_its_size(tmp_path: Path, kind: str) -> None:
    small = _posting_file(tmp_path / f"small.{kind}", kind, 4 * TAKEN_AT_ONCE)
    large = _posting_file(tmp_path / f"large.{kind}", kind, 16 * TAKEN_AT_ONCE)
    size = large.stat().st_size
    assert size > 45_000_000

    read_small, peak_small = _peak_while_reading(small, kind)  # type: ignore[arg-type]
    read_large, peak_large = _peak_while_reading(large, kind)  # type: ignore[arg-type]

    assert (read_small, read_large) == (4 * TAKEN_AT_ONCE, 16 * TAKEN_AT_ONCE)
    # One take of rows at a time: four times the file, not four times the memory, and a
    # small part of the file.
    assert peak_large < 1.25 * peak_small, f"peak {peak_large} bytes against {peak_small}"
    assert peak_large < size / 4, f"peak {peak_large} bytes for a file of {size}"


async def test_a_broken_line_in_the_middle_of_json_lines_is_one_rejected_row(
    server: LiveServer, client: httpx.AsyncClient, tmp_path: Path
) -> None:
    await register(client, "lines@example.com")
    path = tmp_path / "postings.jsonl"
    write_json_lines(path, [row(number) for number in range(LATER + 500)])
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    lines[LATER + 10] = '{"link": "https://careers.example.com/jobs/x", "title": \n'
    path.write_text("".join(lines), encoding="utf-8")

    result = await dreamjob(server, "import", str(path), "--email", "lines@example.com")

    assert result.exit_code == 0, result.output
    assert f"imported {LATER + 499}, duplicates 0, rejected 1" in result.output
    assert f"row {LATER + 10}: line {LATER + 11} is not valid JSON" in result.output
    assert await postings_of(server, "lines@example.com") == LATER + 499


async def test_a_large_csv_file_with_a_bad_row_in_the_middle(
    server: LiveServer, client: httpx.AsyncClient, tmp_path: Path
) -> None:
    await register(client, "csvs@example.com")
    rows = [row(number) for number in range(LATER * 2 + 100)]
    rows[LATER + 1] = {**row(0), "link": "ftp://careers.example.com/x"}
    path = tmp_path / "postings.csv"
    write_csv(path, rows)

    result = await dreamjob(server, "import", str(path), "--email", "csvs@example.com")

    assert result.exit_code == 0, result.output
    total = LATER * 2 + 99
    assert f"imported {total}, duplicates 0, rejected 1" in result.output
    assert f"row {LATER + 1}: link: Value error, must be an http(s) URL" in result.output
    assert await postings_of(server, "csvs@example.com") == total
    again = await dreamjob(server, "import", str(path), "--email", "csvs@example.com")
    assert f"imported 0, duplicates {total}, rejected 1" in again.output


async def test_many_rejected_rows_are_counted_and_the_first_listed(
    server: LiveServer, client: httpx.AsyncClient, tmp_path: Path
) -> None:
    await register(client, "bad@example.com")
    rows: list[Any] = [{"title": f"No link {number}"} for number in range(LATER + 50)]
    rows.append(row(1))
    path = tmp_path / "mostly-bad.jsonl"
    write_json_lines(path, rows)

    result = await dreamjob(server, "import", str(path), "--email", "bad@example.com")

    assert result.exit_code == 0, result.output
    assert f"imported 1, duplicates 0, rejected {LATER + 50}" in result.output
    assert "row 0: link: Field required" in result.output
    assert f"and {LATER + 30} more rows rejected" in result.output


@pytest.mark.parametrize("kind", ["json", "jsonl"])
async def test_a_file_cut_short_stops_and_says_what_was_stored(
    server: LiveServer, client: httpx.AsyncClient, tmp_path: Path, kind: str
) -> None:
    await register(client, "cut@example.com")
    path = tmp_path / f"cut.{kind}"
    rows = [row(number) for number in range(LATER + 300)]
    if kind == "json":
        path.write_text(json.dumps(rows), encoding="utf-8")
    else:
        write_json_lines(path, rows)
    whole = path.read_bytes()
    # Cut in the middle of a row of a later piece: the pieces before it are stored.
    cut = whole.index(b"/jobs/" + str(LATER + 200).encode())
    path.write_bytes(whole[:cut])
    before = max(end for end in piece_ends(len(rows)) if end <= LATER + 200)

    result = await dreamjob(server, "import", str(path), "--email", "cut@example.com")

    assert result.exit_code == 1, result.output
    assert "error:" in result.output
    assert "cut short" in result.output or "premature EOF" in result.output, result.output
    assert f"Stored before it: {before} new postings, 0 duplicates" in result.output
    assert await postings_of(server, "cut@example.com") == before


async def test_a_csv_file_cut_short_is_never_stored_as_a_partial_posting(
    server: LiveServer, client: httpx.AsyncClient, tmp_path: Path
) -> None:
    await register(client, "csv-cut@example.com")
    path = tmp_path / "cut.csv"
    # Descriptions with a comma are quoted cells.
    write_csv(path, [row(number, "Python, SQL.") for number in range(LATER + 300)])
    whole = path.read_bytes()
    last = whole.index(b"/jobs/" + str(LATER + 200).encode())

    # Cut inside the link: the last line has fewer cells than the header.
    path.write_bytes(whole[:last])
    result = await dreamjob(server, "import", str(path), "--email", "csv-cut@example.com")
    assert result.exit_code == 0, result.output
    assert f"imported {LATER + 200}, duplicates 0, rejected 1" in result.output
    assert "has fewer cells than the header" in result.output
    assert await postings_of(server, "csv-cut@example.com") == LATER + 200

    # Cut inside a quoted description: the file ends in the middle of a cell.
    inside = whole.index(b'"Python,', last)
    path.write_bytes(whole[: inside + 4])
    result = await dreamjob(server, "import", str(path), "--email", "csv-cut@example.com")
    assert result.exit_code == 1, result.output
    assert "the CSV file is malformed: unexpected end of data" in result.output
    assert await postings_of(server, "csv-cut@example.com") == LATER + 200


async def test_the_api_says_how_to_import_more_than_it_takes(
    server: LiveServer, client: httpx.AsyncClient
) -> None:
    token = await register(client, "api@example.com")
    too_many = await client.post(
        "/job-postings/import",
        json={"postings": [{"title": "x"}] * 50_001},
        headers=bearer(token),
    )
    assert too_many.status_code == 422
    assert "dreamjob import FILE --email EMAIL" in too_many.text
    limit = server.services.settings.max_request_bytes
    too_large = await client.post(
        "/job-postings/import",
        content=b"x" * (limit + 1),
        headers={**bearer(token), "Content-Type": "text/csv"},
    )
    assert too_large.status_code == 413
    assert "dreamjob import FILE --email EMAIL" in too_large.json()["detail"]


@pytest.mark.services
async def test_a_file_in_several_pieces_on_postgresql(
    make_server: ServerFactory, postgres_url: str, tmp_path: Path
) -> None:
    server = await make_server(database_url=postgres_url)
    async with server.client() as client:
        token = await register(client, "pg@example.com")
        account = await server.services.users.by_email("pg@example.com")
        assert account is not None
        rows: list[Any] = [row(number) for number in range(LATER * 3 + 10)]
        # Repeats of a first piece's row in the last piece.
        rows[-1] = row(2)
        path = tmp_path / "postings.jsonl"
        write_json_lines(path, rows)
        workspace = server.services.workspace_for(account.id, account.email)
        seen: list[int] = []

        first = await workspace.import_file(path, "jsonl", lambda _bytes, read: seen.append(read))
        again = await workspace.import_file(path, "jsonl", lambda _bytes, _read: None)

        assert (first.imported, first.duplicates, first.rejected_total) == (len(rows) - 1, 1, 0)
        # Small pieces first, then larger ones: progress after each.
        assert seen == piece_ends(len(rows))
        assert len(seen) > 3
        assert (again.imported, again.duplicates) == (0, len(rows))
        ranked = await client.post(
            "/job-postings", json={"keywords": ["Engineer 3005"], "limit": 1}, headers=bearer(token)
        )
        assert ranked.json()["total"] == 1
