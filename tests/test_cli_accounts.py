"""`dreamjob register`, `dreamjob export` and `dreamjob runs`, on a live server's data.

The CLI works on the server's DATA_DIR and database; what it does is checked through the
server's API (a registered account logs in, exported postings are the account's).
"""

from __future__ import annotations

import asyncio
import csv
import io
import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from click.testing import Result
from conftest import TEST_SECRET
from support import PASSWORD, LiveServer, bearer, put_file, register, wait_run
from typer.testing import CliRunner

from dreamjobsearch.auth.password_policy import HAS_NAME, TOO_COMMON
from dreamjobsearch.cli import app
from dreamjobsearch.export import CSV_COLUMNS

EMAIL = "ada@example.com"


async def dreamjob(
    server: LiveServer, *args: str, input: str | None = None, **env: str | None
) -> Result:
    """Run the `dreamjob` command on the live server's settings (in a thread: it is sync)."""
    environment: dict[str, str | None] = {
        "COLUMNS": "250",
        "DREAMJOB_DATA_DIR": str(server.services.settings.data_dir),
        "DREAMJOB_JWT_SECRET": TEST_SECRET,
        "DREAMJOB_DATABASE_URL": None,
        "DREAMJOB_PASSWORD": None,
        **env,
    }
    runner = CliRunner()
    return await asyncio.to_thread(runner.invoke, app, list(args), input, environment)


async def can_log_in(client: httpx.AsyncClient, email: str, password: str) -> bool:
    """Whether the server lets the account log in with the password."""
    response = await client.post("/login", json={"email": email, "password": password})
    return response.status_code == 200


async def test_register_asks_for_the_password_twice_without_showing_it(
    server: LiveServer, client: httpx.AsyncClient
) -> None:
    result = await dreamjob(
        server, "register", "--email", "Ada@Example.com", input=f"{PASSWORD}\n{PASSWORD}\n"
    )
    assert result.exit_code == 0, result.output
    assert "Repeat for confirmation" in result.output
    assert PASSWORD not in result.output
    assert "registered ada@example.com" in result.output
    assert await can_log_in(client, EMAIL, PASSWORD)


async def test_register_refuses_two_different_passwords(
    server: LiveServer, client: httpx.AsyncClient
) -> None:
    result = await dreamjob(
        server, "register", "--email", EMAIL, input=f"{PASSWORD}\n{PASSWORD}!\n"
    )
    assert result.exit_code != 0
    assert "do not match" in result.output
    assert await server.services.users.by_email(EMAIL) is None


async def test_register_takes_the_password_from_the_environment_for_scripts(
    server: LiveServer, client: httpx.AsyncClient
) -> None:
    result = await dreamjob(server, "register", "--email", EMAIL, DREAMJOB_PASSWORD=PASSWORD)
    assert result.exit_code == 0, result.output
    assert "password" not in result.output  # nothing was asked
    assert await can_log_in(client, EMAIL, PASSWORD)


@pytest.mark.parametrize(
    ("password", "why"),
    [
        ("short", "the password must be 8 to 1024 characters long"),
        ("x" * 1025, "the password must be 8 to 1024 characters long"),
        ("password123", TOO_COMMON),
        ("my name is ada!", HAS_NAME),
    ],
)
async def test_register_applies_the_password_policy_of_the_api(
    server: LiveServer, client: httpx.AsyncClient, password: str, why: str
) -> None:
    result = await dreamjob(server, "register", "--email", EMAIL, "--password", password)
    assert result.exit_code == 1, result.output
    assert f"error: {why}" in " ".join(result.output.split())
    assert await server.services.users.by_email(EMAIL) is None
    # The API refuses the same password.
    response = await client.post("/register", json={"email": EMAIL, "password": password})
    assert response.status_code == 422


async def test_register_refuses_a_taken_or_invalid_email(
    server: LiveServer, client: httpx.AsyncClient
) -> None:
    await register(client, EMAIL)
    taken = await dreamjob(server, "register", "--email", "ADA@example.com", "--password", "x" * 20)
    assert taken.exit_code == 1, taken.output
    assert "error: an account with this email already exists" in taken.output

    # Refused before any password is asked for.
    invalid = await dreamjob(server, "register", "--email", "Ada <ada@example.com>")
    assert invalid.exit_code == 1, invalid.output
    assert "error: not a valid email address" in invalid.output
    assert "password" not in invalid.output.lower().split("error:")[0]


POSTINGS: list[dict[str, Any]] = [
    {
        "link": "https://careers.example.com/jobs/1",
        "title": "Python Developer",
        "company": "Acme",
        "description": "Python and Django.",
        "salary": "EUR 60,000-80,000 per year",
        "employment_type": "Full-time",
        "seniority_level": "Senior",
    },
    {
        "link": "https://careers.example.com/jobs/2",
        "title": "=Java Developer",
        "company": "Globex",
        "description": "Java and Spring.",
    },
    {
        "link": "https://careers.example.com/jobs/3",
        "title": "Barista",
        "company": "Blocked Beans",
        "description": "Coffee.",
    },
]


async def account_with_postings(client: httpx.AsyncClient) -> dict[str, str]:
    """The account, its three postings imported; one archived, one company blocked."""
    headers = bearer(await register(client, EMAIL))
    imported = await client.post(
        "/job-postings/import", json={"postings": POSTINGS}, headers=headers
    )
    assert imported.json()["imported"] == len(POSTINGS), imported.text
    ranked = await client.post(
        "/job-postings", json={"keywords": ["java"], "limit": 5}, headers=headers
    )
    [java] = ranked.json()["job_postings"]
    await client.patch(f"/job-postings/{java['id']}", json={"status": "archived"}, headers=headers)
    await client.put(
        "/me/blocked-companies", json={"companies": ["blocked beans"]}, headers=headers
    )
    return headers


async def test_export_writes_every_posting_as_csv_to_standard_output(
    server: LiveServer, client: httpx.AsyncClient
) -> None:
    await account_with_postings(client)
    result = await dreamjob(server, "export", "--email", EMAIL)
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert list(rows[0]) == list(CSV_COLUMNS)
    # All of them, archived and blocked too, newest first, nothing else on the output.
    by_title = {row["job_title"]: row for row in rows}
    assert set(by_title) == {"Python Developer", "'=Java Developer", "Barista"}
    assert by_title["'=Java Developer"]["status"] == "archived"
    developer = by_title["Python Developer"]
    assert (developer["salary"], developer["employment_type"], developer["seniority_level"]) == (
        "EUR 60,000-80,000 per year",
        "Full-time",
        "Senior",
    )
    assert developer["link"] == "https://careers.example.com/jobs/1"


async def test_export_json_to_a_file(
    server: LiveServer, client: httpx.AsyncClient, tmp_path: Path
) -> None:
    headers = await account_with_postings(client)
    out = tmp_path / "mine.json"
    result = await dreamjob(
        server, "export", "--email", EMAIL, "--format", "json", "--output", str(out)
    )
    assert result.exit_code == 0, result.output
    assert f"exported 3 postings to {out}" in " ".join(result.output.split())
    exported = json.loads(out.read_text(encoding="utf-8"))
    assert [item["job_title"] for item in exported] == [
        "Barista",
        "=Java Developer",
        "Python Developer",
    ]
    assert exported[2]["salary"] == "EUR 60,000-80,000 per year"

    # With keywords, the ranked view the API exports: the same records.
    ranked = await dreamjob(
        server, "export", "--email", EMAIL, "--format", "json", "--keyword", "python"
    )
    assert ranked.exit_code == 0, ranked.output
    api = await client.get(
        "/job-postings/export", params={"keywords": "python", "format": "json"}, headers=headers
    )
    assert json.loads(ranked.stdout) == api.json()
    assert [item["job_title"] for item in api.json()] == ["Python Developer"]


async def test_export_problems_are_clear(
    server: LiveServer, client: httpx.AsyncClient, tmp_path: Path
) -> None:
    await account_with_postings(client)
    unknown = await dreamjob(server, "export", "--email", "nobody@example.com")
    assert unknown.exit_code == 1
    assert "error: no account 'nobody@example.com': register it first" in unknown.output

    bad_format = await dreamjob(server, "export", "--email", EMAIL, "--format", "xlsx")
    assert bad_format.exit_code == 2
    assert "xlsx" in bad_format.output

    nowhere = tmp_path / "no" / "such" / "dir.csv"
    unwritable = await dreamjob(server, "export", "--email", EMAIL, "--output", str(nowhere))
    assert unwritable.exit_code == 1
    assert "error: cannot write" in unwritable.output
    assert not nowhere.exists()


async def test_runs_lists_the_accounts_recent_runs(
    server: LiveServer, client: httpx.AsyncClient
) -> None:
    headers = bearer(await register(client, EMAIL))
    await put_file(client, headers, "good.json", json.dumps(POSTINGS[:2]).encode())
    await put_file(client, headers, "broken.json", b'{"postings": [')
    ids = []
    for name in ("good.json", "broken.json"):
        started = await client.post(
            "/update-database",
            json={"queries": ["developer"], "sources": [{"type": "file", "path": name}]},
            headers=headers,
        )
        assert started.status_code == 202, started.text
        ids.append((await wait_run(client, headers, started.json()["run_id"]))["run_id"])
    someone_else = bearer(await register(client, "bob@example.com"))
    await put_file(client, someone_else, "bob.json", b"[]")

    result = await dreamjob(server, "runs", "--email", EMAIL)
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    good = next(line for line in lines if ids[0] in line)
    broken = next(line for line in lines if ids[1] in line)
    assert "succeeded" in good
    assert "links_found 2" in good
    assert "new 2" in good
    assert "failed" in broken
    assert "File broken.json is not valid JSON" in broken
    assert lines.index(broken) < lines.index(good)  # newest first
    assert "2 most recent runs" in result.output

    nobody = await dreamjob(server, "runs", "--email", "bob@example.com")
    assert nobody.exit_code == 0, nobody.output
    assert "0 most recent runs" in nobody.output
    assert ids[0] not in nobody.output
