"""Ingest benchmark: `dreamjob import` of realistic postings against each database's floor,
in the same run.

The file: `--postings` postings from examples/generate_postings.py (descriptions of about 300
words), written once as `{"postings": [...]}` JSON, as an export or a
scraper hands them over. Every row below reads that file from disk.

- SQLite floor: a plain `sqlite3` script that parses the file (`json.load`), inserts the
  rows into a table keyed by (source, external_id) and their title and description into an
  FTS5 table, in one transaction (WAL, synchronous=NORMAL, as our database runs).
- ours on SQLite: `Workspace.import_file`, what `dreamjob import` runs, into a fresh
  DATA_DIR: read a piece at a time, validate each row, dedupe, group, store the rows and
  their search index tokens, link them to the account; then, timed apart, the ranking
  index the command prepares before it exits (`warm_up`).
- PostgreSQL floor: the same rows by psycopg's `COPY` into a table keyed by (source,
  external_id) with a full-text column (`tsvector`, generated from title and description).
- ours on PostgreSQL: the same as on SQLite, in a fresh database created for the run on
  `--postgres-url` (dropped after).

Each row prints its wall time and its ratio to its floor; the target is 2x. `--only
sqlite` or `--only postgresql` runs one side. The floor's own time moves by a fifth from
run to run on this machine: `--rounds N` times floor and ours one after the other N times
and prints the median ratio.

Run: `uv run python benchmarks/ingest.py [--postings N]` (about a minute and a half with
the default 50,000 postings; `--postings 5000` for a quick look).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import shutil
import sqlite3
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import psycopg
from bench_support import generated_rows, postgres_database
from sqlalchemy.engine import make_url

SECRET = "benchmark-secret-" + "x" * 40
PASSWORD = "benchmark-password-long-enough-9"
POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/test"
COLUMNS = ("source", "external_id", "link", "title", "company", "location", "description")


def write_postings(count: int, path: Path) -> None:
    """`count` generated postings as a JSON file at `path` (about 300 words each)."""
    rows = generated_rows(count, seed=11)
    # The generator's descriptions average 200 words; real ones run longer. Each gets the
    # first half of the next one's text after its own, which keeps every description unique.
    for row, following in zip(rows, [*rows[1:], rows[0]], strict=True):
        more = following["description"] or ""
        row["description"] = f"{row['description'] or ''}\n\n{more[: len(more) // 2]}"
    path.write_text(json.dumps({"postings": rows}, ensure_ascii=False), encoding="utf-8")


def floor_rows(path: Path) -> list[tuple[Any, ...]]:
    """The file's rows as tuples of `COLUMNS` (the floors' own parsing, timed with them)."""
    with path.open("rb") as file:
        postings = json.load(file)["postings"]
    return [
        (
            row.get("source") or "file",
            row.get("external_id") or row["link"],
            row["link"],
            row["title"],
            row.get("company") or "",
            row.get("location") or "",
            row.get("description") or "",
        )
        for row in postings
    ]


def sqlite_floor(path: Path, directory: Path) -> tuple[float, float]:
    """Seconds for plain sqlite3 to parse the file and store the rows with an FTS5 index,
    wall and CPU."""
    started, cpu = time.perf_counter(), time.process_time()
    rows = floor_rows(path)
    connection = sqlite3.connect(directory / "floor.sqlite")
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=NORMAL")
    connection.execute(
        "CREATE TABLE postings (id INTEGER PRIMARY KEY, source TEXT, external_id TEXT, "
        "link TEXT, title TEXT, company TEXT, location TEXT, description TEXT, "
        "UNIQUE (source, external_id))"
    )
    connection.execute("CREATE VIRTUAL TABLE search USING fts5(title, body)")
    with connection:
        connection.executemany(
            "INSERT OR IGNORE INTO postings (source, external_id, link, title, company, "
            "location, description) VALUES (?, ?, ?, ?, ?, ?, ?)",
            rows,
        )
        connection.execute(
            "INSERT INTO search (rowid, title, body) SELECT id, title, description FROM postings"
        )
    connection.close()
    return time.perf_counter() - started, time.process_time() - cpu


def postgresql_floor(path: Path, url: str) -> float:
    """Seconds for psycopg to parse the file and COPY the rows into a table with a
    full-text column."""
    conninfo = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    started = time.perf_counter()
    rows = floor_rows(path)
    with psycopg.connect(conninfo) as connection:
        connection.execute(
            "CREATE TABLE floor_postings (id SERIAL PRIMARY KEY, source TEXT, "
            "external_id TEXT, link TEXT, title TEXT, company TEXT, location TEXT, "
            "description TEXT, terms TSVECTOR GENERATED ALWAYS AS "
            "(to_tsvector('simple', title || ' ' || description)) STORED, "
            "UNIQUE (source, external_id))"
        )
        with connection.cursor().copy(
            f"COPY floor_postings ({', '.join(COLUMNS)}) FROM STDIN"
        ) as copy:
            for row in rows:
                copy.write_row(row)
    return time.perf_counter() - started


def cpu_seconds() -> float:
    """CPU seconds of this process and of the children it has waited for (an import's
    reader process among them)."""
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


async def ours(
    path: Path, directory: Path, database_url: str | None
) -> tuple[float, float, float, int]:
    """Seconds for `Workspace.import_file` (what `dreamjob import` runs), its CPU seconds
    (its reader process's included), seconds for the ranking index it prepares after, and
    the postings imported."""
    from dreamjobsearch.config import Settings
    from dreamjobsearch.services import build_services

    settings = Settings(
        _env_file=None, data_dir=directory, jwt_secret=SECRET, database_url=database_url
    )
    services = await build_services(settings)
    try:
        user = await services.auth.create_account("ingest@example.com", PASSWORD)
        workspace = services.workspace_for(user.id, user.email)
        started, cpu = time.perf_counter(), cpu_seconds()
        report = await workspace.import_file(path, "json", lambda _done, _rows: None)
        imported, cpu = time.perf_counter() - started, cpu_seconds() - cpu
        started = time.perf_counter()
        await services.warm_up(user.id)
        ranked = time.perf_counter() - started
    finally:
        await services.aclose()
    if report.rejected_total:
        raise SystemExit(f"rejected rows: {report.rejected[:3]}")
    return imported, cpu, ranked, report.imported


def report(name: str, floor: float, imported: float, ranked: float, count: int) -> None:
    """Print one database's rows."""
    print(f"{name} floor           : {floor:6.2f} s")
    print(
        f"{name} ours, import    : {imported:6.2f} s  ratio {imported / floor:5.2f}  "
        f"({count / imported:,.0f} postings/s)"
    )
    total = imported + ranked
    print(
        f"{name} ours, + ranking : {total:6.2f} s  ratio {total / floor:5.2f}  "
        f"(ranking index {ranked:.2f} s)"
    )


def main() -> None:
    """Generate the file, time each floor and ours, print the ratios."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postings", type=int, default=50_000, help="postings in the file")
    parser.add_argument("--postgres-url", default=POSTGRES_URL, help="a server to use")
    parser.add_argument("--only", choices=("sqlite", "postgresql"), help="one database only")
    parser.add_argument(
        "--rounds", type=int, default=1, help="floor and ours, one after the other, this often"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as temporary:
        directory = Path(temporary)
        path = directory / "postings.json"
        started = time.perf_counter()
        write_postings(args.postings, path)
        size = path.stat().st_size
        print(
            f"generated {args.postings:,} postings, {size / 1e6:.0f} MB of JSON, "
            f"in {time.perf_counter() - started:.1f} s"
        )
        ratios: dict[str, list[float]] = {"SQLite": [], "PostgreSQL": []}
        for round_number in range(args.rounds):
            place = directory / f"round-{round_number}"
            place.mkdir()
            if args.only != "postgresql":
                ratios["SQLite"].append(sqlite_round(path, place))
            if args.only != "sqlite":
                ratios["PostgreSQL"].append(postgresql_round(path, place, args.postgres_url))
            # Each round writes over half a gigabyte: removed at once, so that no round
            # waits for the last one's pages to reach the disk.
            shutil.rmtree(place)
        if args.rounds > 1:
            for name, each in ratios.items():
                if each:
                    print(f"{name} import ratio over {len(each)} rounds: median", end=" ")
                    print(f"{statistics.median(each):.2f}, from {min(each):.2f} to {max(each):.2f}")


def sqlite_round(path: Path, directory: Path) -> float:
    """The SQLite floor, then ours, printed; the import's ratio to the floor."""
    floor, floor_cpu = sqlite_floor(path, directory)
    ours_dir = directory / "sqlite"
    ours_dir.mkdir()
    imported, cpu, ranked, count = asyncio.run(ours(path, ours_dir, None))
    report("SQLite", floor, imported, ranked, count)
    # All of SQLite's work is in this process: CPU seconds compare even while other
    # processes slow the wall clock (PostgreSQL's server work is in another process).
    # Ours includes the reader process's: the work done, wherever it runs.
    print(f"SQLite CPU   : floor {floor_cpu:.2f} s, ours {cpu:.2f} s", end="  ")
    print(f"ratio {cpu / floor_cpu:5.2f}")
    return imported / floor


def postgresql_round(path: Path, directory: Path, server_url: str) -> float:
    """The PostgreSQL floor, then ours, each in a database of its own, printed; the
    import's ratio to the floor."""
    with postgres_database(server_url) as url:
        floor = postgresql_floor(path, url)
        ours_dir = directory / "postgresql"
        ours_dir.mkdir()
        imported, _cpu, ranked, count = asyncio.run(ours(path, ours_dir, url))
    report("PostgreSQL", floor, imported, ranked, count)
    return imported / floor


if __name__ == "__main__":
    main()
