"""`dreamjob import FILE --email E`: import a file into an account from the command line."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest
from click.testing import Result
from support import LiveServer, bearer, register
from typer.testing import CliRunner

from dreamjobsearch.cli import app
from dreamjobsearch.search.snapshots import SNAPSHOT_MIN_POSTINGS
from dreamjobsearch.storage.ranking_snapshots import RankingSnapshotRepository

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
SECRET = "test-secret-that-is-long-enough-for-hs256-0123456789"


async def dreamjob(server: LiveServer, *args: str) -> Result:
    """Run the `dreamjob` command on the live server's settings (in a thread: it is sync)."""
    env: dict[str, str | None] = {
        # Wide enough for a temporary path on one line of an error box.
        "COLUMNS": "250",
        "DREAMJOB_DATA_DIR": str(server.services.settings.data_dir),
        "DREAMJOB_JWT_SECRET": SECRET,
        "DREAMJOB_DATABASE_URL": None,
    }
    runner = CliRunner()
    return await asyncio.to_thread(runner.invoke, app, list(args), env=env)


async def postings_of(server: LiveServer, email: str) -> int:
    """How many postings the account has."""
    account = await server.services.users.by_email(email)
    assert account is not None
    return await server.services.postings.count_for_user(account.id)


async def test_import_sample_json_twice(server: LiveServer, client: httpx.AsyncClient) -> None:
    token = await register(client, "cli@example.com")
    sample = EXAMPLES / "postings.json"
    count = len(json.loads(sample.read_text(encoding="utf-8"))["postings"])

    first = await dreamjob(server, "import", str(sample), "--email", "cli@example.com")
    assert first.exit_code == 0, first.output
    assert f"imported {count}, duplicates 0, rejected 0" in first.output
    assert await postings_of(server, "cli@example.com") == count

    # The postings are there for the user in the API.
    ranked = await client.post(
        "/job-postings", json={"keywords": ["engineer"], "limit": 1}, headers=bearer(token)
    )
    assert ranked.status_code == 200
    assert ranked.json()["total"] > 0

    again = await dreamjob(server, "import", str(sample), "--email", "CLI@Example.com")
    assert again.exit_code == 0, again.output
    assert f"imported 0, duplicates {count}, rejected 0" in again.output
    assert await postings_of(server, "cli@example.com") == count


async def test_import_sample_csv(server: LiveServer, client: httpx.AsyncClient) -> None:
    await register(client, "csv@example.com")
    sample = EXAMPLES / "postings.csv"
    rows = list(csv.DictReader(io.StringIO(sample.read_text(encoding="utf-8-sig"))))

    result = await dreamjob(server, "import", str(sample), "--email", "csv@example.com")
    assert result.exit_code == 0, result.output
    imported = await postings_of(server, "csv@example.com")
    assert 0 < imported <= len(rows)
    assert f"imported {imported}, duplicates 0" in result.output

    again = await dreamjob(server, "import", str(sample), "--email", "csv@example.com")
    assert again.exit_code == 0, again.output
    assert f"imported 0, duplicates {imported}" in again.output


async def test_import_reports_rejected_rows(
    server: LiveServer, client: httpx.AsyncClient, tmp_path: Path
) -> None:
    await register(client, "rows@example.com")
    rows: list[Any] = [
        {"link": "https://careers.example.com/jobs/1", "title": "Good Engineer"},
        {"link": "https://careers.example.com/jobs/2"},
        {"link": "nope", "title": "Bad Link"},
    ]
    path = tmp_path / "mixed.json"
    path.write_text(json.dumps(rows), encoding="utf-8")
    result = await dreamjob(server, "import", str(path), "--email", "rows@example.com")
    assert result.exit_code == 0, result.output
    assert "imported 1, duplicates 0, rejected 2" in result.output
    assert "row 1:" in result.output
    assert "title" in result.output
    assert "row 2:" in result.output
    assert "link" in result.output
    assert await postings_of(server, "rows@example.com") == 1


async def test_unknown_email_fails_clearly(server: LiveServer, client: httpx.AsyncClient) -> None:
    await register(client, "someone@example.com")
    result = await dreamjob(
        server, "import", str(EXAMPLES / "postings.json"), "--email", "nobody@example.com"
    )
    assert result.exit_code != 0
    assert "no account" in result.output
    assert "nobody@example.com" in result.output
    assert await postings_of(server, "someone@example.com") == 0


async def test_unreadable_documents_fail_clearly(
    server: LiveServer, client: httpx.AsyncClient, tmp_path: Path
) -> None:
    await register(client, "broken@example.com")
    broken_json = tmp_path / "broken.json"
    broken_json.write_text('{"postings": [', encoding="utf-8")
    bad_header = tmp_path / "bad.csv"
    bad_header.write_text("link,title,team\nhttps://careers.example.com/jobs/1,x,1\n")
    latin = tmp_path / "latin.csv"
    latin.write_bytes("link,title\nhttps://careers.example.com/jobs/1,Café\n".encode("latin-1"))

    for path, words in (
        (broken_json, "JSON"),
        (bad_header, "team"),
        (latin, "UTF-8"),
    ):
        result = await dreamjob(server, "import", str(path), "--email", "broken@example.com")
        assert result.exit_code == 1, result.output
        assert "error" in result.output
        assert words in result.output, result.output
    assert await postings_of(server, "broken@example.com") == 0


async def test_missing_file_is_a_usage_error(
    server: LiveServer, client: httpx.AsyncClient, tmp_path: Path
) -> None:
    await register(client, "missing@example.com")
    result = await dreamjob(
        server, "import", str(tmp_path / "nowhere.json"), "--email", "missing@example.com"
    )
    assert result.exit_code == 2
    assert "nowhere.json" in result.output


async def test_a_large_import_stores_the_ranking_index_for_the_server(
    server: LiveServer, client: httpx.AsyncClient, tmp_path: Path
) -> None:
    token = await register(client, "large@example.com")
    many = tmp_path / "many.json"
    await asyncio.to_thread(
        subprocess.run,
        [
            sys.executable,
            str(EXAMPLES / "generate_postings.py"),
            "--count",
            str(SNAPSHOT_MIN_POSTINGS),
            "--out",
            str(many),
        ],
        check=True,
    )
    result = await dreamjob(server, "import", str(many), "--email", "large@example.com")
    assert result.exit_code == 0, result.output
    account = await server.services.users.by_email("large@example.com")
    assert account is not None
    # The import left the index in the database, at the user's postings now: the server,
    # which never saw these postings, starts its first ranking from it.
    stored = await RankingSnapshotRepository(server.services.db).load(account.id, [])
    assert stored is not None
    state = await server.services.workspace_services.tracking.state(account.id)
    assert stored.version == state.postings_version
    assert len(stored.order.ids) == SNAPSHOT_MIN_POSTINGS
    ranked = await client.post(
        "/job-postings", json={"keywords": ["python"], "limit": 5}, headers=bearer(token)
    )
    assert ranked.status_code == 200
    assert ranked.json()["total"] > 0


DETAILS = {
    "salary": "EUR 60,000-80,000 per year",
    "employment_type": "Full-time",
    "seniority_level": "Senior",
}


@pytest.mark.parametrize("suffix", [".json", ".csv"])
async def test_import_keeps_salary_employment_type_and_seniority(
    server: LiveServer, client: httpx.AsyncClient, tmp_path: Path, suffix: str
) -> None:
    token = await register(client, "details@example.com")
    row = {"link": "https://careers.example.com/jobs/1", "title": "Paid Engineer", **DETAILS}
    path = tmp_path / f"details{suffix}"
    if suffix == ".csv":
        with path.open("w", encoding="utf-8", newline="") as out:
            writer = csv.DictWriter(out, fieldnames=list(row))
            writer.writeheader()
            writer.writerow(row)
    else:
        path.write_text(json.dumps([row]), encoding="utf-8")

    result = await dreamjob(server, "import", str(path), "--email", "details@example.com")
    assert result.exit_code == 0, result.output
    assert "imported 1, duplicates 0, rejected 0" in result.output
    ranked = await client.post(
        "/job-postings", json={"keywords": ["paid"], "limit": 1}, headers=bearer(token)
    )
    [item] = ranked.json()["job_postings"]
    detail = (await client.get(f"/job-postings/{item['id']}", headers=bearer(token))).json()
    for shown in (item, detail):
        assert {name: shown[name] for name in DETAILS} == DETAILS


async def test_import_where_every_row_is_rejected_fails(
    server: LiveServer, client: httpx.AsyncClient, tmp_path: Path
) -> None:
    await register(client, "rejected@example.com")
    path = tmp_path / "all-bad.jsonl"
    path.write_text('{"link": "nope", "title": "Bad"}\n{"title": "No Link"}\n', encoding="utf-8")
    result = await dreamjob(server, "import", str(path), "--email", "rejected@example.com")
    assert result.exit_code == 1, result.output
    assert "imported 0, duplicates 0, rejected 2" in result.output
    assert "row 0: link" in result.output
    assert "row 1: link" in result.output
    assert "error: every row of all-bad.jsonl was rejected: nothing imported" in result.output

    # Rows already imported are not a failure: they are duplicates, not rejections.
    good = tmp_path / "good.json"
    good.write_text(json.dumps([{"link": "https://careers.example.com/jobs/1", "title": "Ok"}]))
    first = await dreamjob(server, "import", str(good), "--email", "rejected@example.com")
    assert first.exit_code == 0, first.output
    again = await dreamjob(server, "import", str(good), "--email", "rejected@example.com")
    assert again.exit_code == 0, again.output
    assert "imported 0, duplicates 1, rejected 0" in again.output


@pytest.mark.parametrize(
    ("name", "named"), [("postings.xlsx", ".xlsx"), ("postings", "(no extension)")]
)
async def test_an_unsupported_file_type_is_named(
    server: LiveServer, client: httpx.AsyncClient, tmp_path: Path, name: str, named: str
) -> None:
    await register(client, "types@example.com")
    path = tmp_path / name
    path.write_bytes(b"PK\x03\x04 not a document we read")
    result = await dreamjob(server, "import", str(path), "--email", "types@example.com")
    assert result.exit_code == 2, result.output
    assert f"unsupported file type {named}: use .json, .jsonl or .csv" in result.output
    assert await postings_of(server, "types@example.com") == 0
