"""`dreamjob update` and `dreamjob search` from the command line, on a live server's data.

The account is registered through the live server; the CLI then works on the same DATA_DIR
and database, with Greenhouse served from a fake board on 127.0.0.1.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import Result
from conftest import TEST_SECRET, ServerFactory, SettingsFactory
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from support import LiveServer, bearer, put_file, register, start_server
from typer.testing import CliRunner

from dreamjobsearch.cli import app
from dreamjobsearch.config import Settings
from dreamjobsearch.domain.postings import StoredPosting

GREENHOUSE = Path(__file__).resolve().parent / "fixtures" / "greenhouse"
EMAIL = "cli-update@example.com"
ACCEPTED_FORMS = (
    "use linkedin, greenhouse:NAME, lever:NAME, ashby:NAME, workable:NAME, smartrecruiters:NAME,"
    " recruitee:NAME, personio:NAME,"
    " arbeitnow, file:FILE"
)
POSTINGS = [
    {
        "link": "https://careers.example.com/jobs/1",
        "title": "Senior Python Developer",
        "company": "Vistula Byteworks",
        "location": "Warsaw, Masovian, Poland",
        "description": "Build Python services with Django and PostgreSQL.",
        "posted_at": "2026-11-02",
    },
    {
        "link": "https://careers.example.com/jobs/2",
        "title": "Python Data Engineer",
        "company": "Kestrelgate",
        "location": "Kraków, Poland",
        "description": "Python pipelines on Airflow and Spark.",
        "posted_at": "2026-11-05",
    },
    {
        # Matches the query, not the location.
        "link": "https://careers.example.com/jobs/3",
        "title": "Django Developer",
        "company": "Lumenhaus",
        "location": "Berlin, Germany",
        "description": "Python and Django for smart buildings.",
    },
    {
        # Matches the location, not the query.
        "link": "https://careers.example.com/jobs/4",
        "title": "Java Developer",
        "company": "Bursztyn Cloud",
        "location": "Gdańsk, Poland",
        "description": "Java and Spring on Kubernetes.",
    },
]
# Jobs of board_acme.json whose title has the word "engineer"; two others are malformed.
ENGINEER_JOBS = {"4012345006", "4012345007", "4012345009", "4012345014"}
MALFORMED_JOBS = 2


@dataclass
class Scene:
    """A live server with a registered account, and the CLI's environment for its data."""

    server: LiveServer
    env: dict[str, str | None]

    async def dreamjob(self, *args: str) -> Result:
        """Run the CLI in a thread, so that the servers in this event loop keep answering."""
        runner = CliRunner()
        return await asyncio.wait_for(
            asyncio.to_thread(runner.invoke, app, list(args), env=self.env), 60
        )

    async def stored(self, email: str = EMAIL) -> list[StoredPosting]:
        """The account's postings."""
        account = await self.server.services.users.by_email(email)
        assert account is not None
        return await self.server.services.postings.for_user(account.id)


def cli_env(settings: Settings) -> dict[str, str | None]:
    """The environment that gives the CLI the same settings as the live server."""
    env: dict[str, str | None] = {
        "COLUMNS": "200",
        "DREAMJOB_DATA_DIR": str(settings.data_dir),
        "DREAMJOB_DATABASE_URL": None,
        "DREAMJOB_JWT_SECRET": TEST_SECRET,
        "DREAMJOB_LINKEDIN_REQUEST_INTERVAL": "0",
        "DREAMJOB_BOARD_REQUEST_INTERVAL": "0",
        "DREAMJOB_HTTP_RETRY_BACKOFF": str(settings.http_retry_backoff),
        "DREAMJOB_HTTP_MAX_RETRY_AFTER": str(settings.http_max_retry_after),
    }
    for name, url in settings.base_urls.items():
        env[f"DREAMJOB_{name.upper()}_BASE_URL"] = url
    return env


@pytest.fixture
async def greenhouse() -> AsyncIterator[str]:
    """A fake Greenhouse serving the `acme` board fixture; yields its base URL."""

    def answer(name: str) -> Route:
        body = (GREENHOUSE / name).read_bytes()

        async def endpoint(_request: Request) -> Response:
            return Response(body, media_type="application/json")

        return Route(f"/v1/boards/acme{'/jobs' if name == 'board_acme.json' else ''}", endpoint)

    fake = await start_server(
        Starlette(routes=[answer("board_acme.json"), answer("board_acme_meta.json")])
    )
    yield fake.base_url
    await fake.stop()


@pytest.fixture
async def scene(
    make_settings: SettingsFactory, make_server: ServerFactory, greenhouse: str
) -> Scene:
    """The account registered on a live server, with `postings.json` among its files."""
    settings = make_settings(greenhouse_base_url=greenhouse)
    server = await make_server(settings)
    async with server.client() as client:
        token = await register(client, EMAIL)
        await put_file(
            client, bearer(token), "postings.json", json.dumps({"postings": POSTINGS}).encode()
        )
    return Scene(server, cli_env(settings))


def table_rows(output: str) -> list[list[str]]:
    """The cells of each body row of the table `search` prints (one line per row)."""
    return [
        [cell.strip() for cell in line.strip().strip("│").split("│")]
        for line in output.splitlines()
        if line.startswith("│")
    ]


def link_lines(output: str) -> list[str]:
    """The numbered link lines `search` prints after its table."""
    return [line for line in output.splitlines() if line[:1].isdigit() and ". http" in line]


async def update_from_file(scene: Scene) -> Result:
    """`update` from postings.json: python jobs in Poland."""
    return await scene.dreamjob(
        "update",
        *("--email", EMAIL, "--query", "python", "--location", "Poland"),
        *("--source", "file:postings.json"),
    )


async def test_update_from_a_file_shows_progress_and_counts(scene: Scene) -> None:
    result = await update_from_file(scene)
    assert result.exit_code == 0, result.output
    assert "searching" in result.output
    assert "100%" in result.output
    assert (
        "run succeeded: links_found 2, fetched 2, new 2, duplicates 0, errors 0, blocked 0"
        in result.output
    )
    titles = {posting.title for posting in await scene.stored()}
    assert titles == {"Senior Python Developer", "Python Data Engineer"}

    again = await update_from_file(scene)
    assert again.exit_code == 0, again.output
    assert "fetched 2, new 0, duplicates 2, errors 0" in again.output
    assert len(await scene.stored()) == 2


async def test_update_from_a_greenhouse_board(scene: Scene) -> None:
    args = ("update", "--email", EMAIL, "--query", "engineer", "--source", "greenhouse:acme")
    result = await scene.dreamjob(*args)
    assert result.exit_code == 0, result.output
    assert "searching" in result.output
    assert "100%" in result.output
    new = len(ENGINEER_JOBS)
    assert (
        f"run succeeded: links_found {new}, fetched {new}, new {new}, duplicates 0, "
        f"errors {MALFORMED_JOBS}, blocked 0"
    ) in result.output
    # The skipped jobs are named as they happen.
    assert "The Greenhouse board acme: skipped job 6: missing title" in result.output
    stored = await scene.stored()
    assert {posting.external_id for posting in stored} == ENGINEER_JOBS
    assert {(posting.source, posting.company) for posting in stored} == {
        ("greenhouse", "Acme Robotics")
    }

    again = await scene.dreamjob(*args)
    assert again.exit_code == 0, again.output
    assert f"new 0, duplicates {new}" in again.output
    assert len(await scene.stored()) == new


async def test_update_with_a_bad_source_is_a_usage_error(scene: Scene) -> None:
    result = await scene.dreamjob(
        "update", "--email", EMAIL, "--query", "python", "--source", "bogus:x"
    )
    assert result.exit_code == 2, result.output
    assert "--source 'bogus:x'" in result.output
    assert ACCEPTED_FORMS in result.output
    assert await scene.stored() == []


async def test_update_for_an_unknown_email_fails_clearly(scene: Scene) -> None:
    result = await scene.dreamjob(
        "update", "--email", "nobody@example.com", "--query", "python", "--source", "file:x.json"
    )
    assert result.exit_code == 1, result.output
    assert "error: no account 'nobody@example.com': register it first" in result.output
    assert "run " not in result.output


async def test_search_prints_the_ranked_table(scene: Scene) -> None:
    assert (await update_from_file(scene)).exit_code == 0
    args = ("search", "--email", EMAIL, "--keywords", "python", "--keywords", "django")
    result = await scene.dreamjob(*args, "--location", "poland")
    assert result.exit_code == 0, result.output
    output = result.output
    assert "2 matching postings (showing 2)" in output
    for column in ("#", "score", "title", "company", "location", "posted", "matched"):
        assert column in output
    # Both keywords beat one: the Django job first. The Berlin job is left out.
    rows = table_rows(output)
    assert [row[:3] for row in rows] == [
        ["1", "2", "Senior Python Developer"],
        ["2", "1", "Python Data Engineer"],
    ]
    assert rows[0][3:] == [
        "Vistula Byteworks",
        "Warsaw, Masovian, Poland",
        "2026-11-02",
        "python, django",
    ]
    assert rows[1][-1] == "python"
    # Each link after the table, under its result's number.
    assert link_lines(output) == [
        "1. https://careers.example.com/jobs/1",
        "2. https://careers.example.com/jobs/2",
    ]

    limited = await scene.dreamjob(*args, "--location", "poland", "--limit", "1")
    assert limited.exit_code == 0, limited.output
    assert "2 matching postings (showing 1)" in limited.output
    assert [row[:3] for row in table_rows(limited.output)] == [
        ["1", "2", "Senior Python Developer"]
    ]
    assert link_lines(limited.output) == ["1. https://careers.example.com/jobs/1"]


async def test_search_links_are_whole_in_a_narrow_terminal(scene: Scene) -> None:
    long_link = "https://careers.example.com/jobs/" + "a-very-long-job-slug-" * 5 + "1"
    posting = {**POSTINGS[0], "link": long_link}
    path = Path(scene.env["DREAMJOB_DATA_DIR"] or "") / "long.json"
    path.write_text(json.dumps([posting]), encoding="utf-8")
    assert (await scene.dreamjob("import", str(path), "--email", EMAIL)).exit_code == 0

    scene.env["COLUMNS"] = "40"
    result = await scene.dreamjob("search", "--email", EMAIL, "--keywords", "django")
    assert result.exit_code == 0, result.output
    # Far wider than the terminal, the link is still one line: nothing inserted a break
    # (the terminal folds it on screen, and copies or opens it whole).
    assert f"1. {long_link}" in result.output.splitlines()


async def test_search_without_postings_prints_an_empty_table(scene: Scene) -> None:
    result = await scene.dreamjob("search", "--email", EMAIL, "--keywords", "python")
    assert result.exit_code == 0, result.output
    assert "0 matching postings (showing 0)" in result.output
    assert "score" in result.output
    assert table_rows(result.output) == []


async def test_search_with_only_blank_keywords_fails_clearly(scene: Scene) -> None:
    assert (await update_from_file(scene)).exit_code == 0
    result = await scene.dreamjob("search", "--email", EMAIL, "--keywords", " ", "--keyword", "")
    assert result.exit_code == 1, result.output
    assert "error: give at least one non-blank keyword" in result.output
    assert "matching postings" not in result.output
