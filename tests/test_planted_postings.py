"""Nobody can plant a posting that other users receive.

An import (or a user's file) may claim any board and id. What it stores is the importing
user's alone: another user's run meeting that id fetches the board's own posting, and two
users importing one job each keep what they imported. Only what the server fetched from a
board is shared, and dedupe within a user's postings and across boards keeps working.
The boards are the fakes of `test_update_pipeline.py`, served from 127.0.0.1.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
from services_available import fresh_postgres_database
from starlette.applications import Starlette
from starlette.routing import Route
from support import LiveServer, bearer, put_file, register_admin, start_server, user_id_of
from test_update_pipeline import (
    FakeBoards,
    FakeLinkedIn,
    Job,
    counts,
    fixture,
    posting,
    ranked,
    run_to_end,
    user,
)

from dreamjobsearch.sources.text import html_to_text

IMPORT = "/job-postings/import"
EVIL_LINK = "https://evil.example/apply"
LINKEDIN = {"queries": ["python developer"], "sources": [{"type": "linkedin"}]}
BACKEND = "https://boards.greenhouse.io/acme/jobs/4012345006"
DATA = "https://www.acme-robotics.example/careers/job?gh_jid=4012345009"
REAL = Job("4300000001", "Python Developer", "Vistula Byteworks", "Warsaw, Masovian, Poland")


@pytest.fixture
async def linkedin() -> AsyncIterator[FakeLinkedIn]:
    """The fake LinkedIn, listing one real job."""
    fake = FakeLinkedIn()
    server = await start_server(fake.app)  # type: ignore[arg-type]
    fake.base_url = server.base_url
    fake.serve([REAL])
    yield fake
    await server.stop()


@pytest.fixture
async def boards() -> AsyncIterator[FakeBoards]:
    """The fake company boards, serving their fixtures."""
    fake = FakeBoards()
    server = await start_server(Starlette(routes=[Route("/{path:path}", fake.answer)]))  # type: ignore[arg-type]
    fake.base_url = server.base_url
    fake.serve_fixtures()
    yield fake
    await server.stop()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.services)])
def database_url(request: pytest.FixtureRequest) -> Iterator[dict[str, str]]:
    """The database setting: SQLite in DATA_DIR (the default), or a fresh PostgreSQL one."""
    if request.param == "sqlite":
        yield {}
        return
    with fresh_postgres_database() as url:
        yield {"database_url": url}


@pytest.fixture
async def app(
    linkedin: FakeLinkedIn, boards: FakeBoards, make_server: Any, database_url: dict[str, str]
) -> LiveServer:
    """The app with every board pointed at the fakes, on each database."""
    server: LiveServer = await make_server(
        **database_url,
        linkedin_base_url=linkedin.base_url,
        greenhouse_base_url=boards.base_url,
        lever_base_url=boards.base_url,
        ashby_base_url=boards.base_url,
        arbeitnow_base_url=boards.base_url,
    )
    return server


@pytest.fixture
async def api(app: LiveServer) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client for the app."""
    async with app.client() as client:
        yield client


def planted(job_id: str, **fields: Any) -> dict[str, Any]:
    """An import row claiming to be LinkedIn's job `job_id`, pointing elsewhere."""
    return {
        "link": EVIL_LINK,
        "title": "Python Developer - apply here",
        "company": "Vistula Byteworks",
        "location": "Warsaw, Masovian, Poland",
        "description": "Python developer wanted. Send your passport to evil.example.",
        "source": "linkedin",
        "external_id": job_id,
        **fields,
    }


async def imported(
    api: httpx.AsyncClient, headers: dict[str, str], rows: list[dict[str, Any]]
) -> dict[str, Any]:
    """Import `rows` (201) and return the report."""
    response = await api.post(IMPORT, json={"postings": rows}, headers=headers)
    assert response.status_code == 201, response.text
    report: dict[str, Any] = response.json()
    return report


async def only_result(api: httpx.AsyncClient, headers: dict[str, str]) -> dict[str, Any]:
    """The user's one posting in full."""
    ranking = await ranked(api, headers, ["python"])
    assert ranking["total"] == 1, ranking
    return await posting(api, headers, ranking["job_postings"][0]["id"])


async def test_an_imported_posting_never_stands_in_for_the_board_in_another_users_run(
    api: httpx.AsyncClient, linkedin: FakeLinkedIn
) -> None:
    mallory = await user(api, "mallory@example.com")
    assert (await imported(api, mallory, [planted(REAL.job_id)]))["imported"] == 1

    bob = await user(api, "bob@example.com")
    run = await run_to_end(api, bob, **LINKEDIN)
    assert run["status"] == "succeeded", run
    # The job was fetched from LinkedIn for Bob, not taken from Mallory's import.
    assert run["counts"] == counts(1, 1, 1)
    assert linkedin.job_hits() == [REAL.job_id]
    detail = await only_result(api, bob)
    assert detail["source"] == "linkedin"
    assert detail["external_id"] == REAL.job_id
    assert detail["link"] == linkedin.url(REAL.job_id)
    assert detail["job_title"] == REAL.title
    assert detail["description"] == REAL.description_text()
    assert detail["links"] == [{"source": "linkedin", "link": linkedin.url(REAL.job_id)}]

    # Importing again once the board's copy is stored alters nothing Bob sees.
    again = planted(REAL.job_id, title="Python Developer (urgent)", link=EVIL_LINK + "?2")
    await imported(api, await user(api, "eve@example.com"), [again])
    assert (await only_result(api, bob))["link"] == linkedin.url(REAL.job_id)
    # Carol's run links the board's copy, which Bob's run fetched: nothing fetched again.
    carol = await user(api, "carol@example.com")
    assert (await run_to_end(api, carol, **LINKEDIN))["counts"] == counts(1, 0, 1)
    assert (await only_result(api, carol))["link"] == linkedin.url(REAL.job_id)
    assert linkedin.job_hits() == [REAL.job_id]
    # Mallory still has what she imported, and only that.
    assert (await only_result(api, mallory))["link"] == EVIL_LINK


async def test_a_users_own_import_is_what_their_run_finds(
    api: httpx.AsyncClient, linkedin: FakeLinkedIn
) -> None:
    ada = await user(api, "ada@example.com")
    mine = planted(REAL.job_id, link=linkedin.url(REAL.job_id), title="Python Developer (mine)")
    assert (await imported(api, ada, [mine]))["imported"] == 1
    assert await imported(api, ada, [mine]) == {"imported": 0, "duplicates": 1, "rejected": []}

    # Her run meets the job she has: one result, as she imported it, not fetched again.
    run = await run_to_end(api, ada, **LINKEDIN)
    assert run["counts"] == counts(1, 0, 0, duplicates=1)
    assert linkedin.job_hits() == []
    assert (await only_result(api, ada))["job_title"] == "Python Developer (mine)"

    # And once she has the board's copy, importing the job again adds nothing.
    bob = await user(api, "bob@example.com")
    await run_to_end(api, bob, **LINKEDIN)
    assert await imported(api, bob, [mine]) == {"imported": 0, "duplicates": 1, "rejected": []}
    assert (await only_result(api, bob))["job_title"] == REAL.title


async def test_two_users_importing_one_board_link_each_see_their_own(
    api: httpx.AsyncClient,
) -> None:
    clean = "https://boards.greenhouse.io/acme/jobs/4012345006"
    mallory = await user(api, "mallory@example.com")
    victim = await user(api, "victim@example.com")
    row = {"company": "Acme Robotics", "description": "Python backend work."}
    evil = {**row, "link": clean + "?gh_src=evil", "title": "Python Engineer (apply by mail)"}
    assert (await imported(api, mallory, [evil]))["imported"] == 1
    own = {**row, "link": clean, "title": "Senior Backend Engineer (Python)"}
    assert await imported(api, victim, [own]) == {"imported": 1, "duplicates": 0, "rejected": []}

    victims = await only_result(api, victim)
    assert (victims["link"], victims["job_title"]) == (clean, own["title"])
    malloys = await only_result(api, mallory)
    assert (malloys["link"], malloys["job_title"]) == (evil["link"], evil["title"])


async def test_a_users_file_is_theirs_alone(
    app: LiveServer, api: httpx.AsyncClient, linkedin: FakeLinkedIn
) -> None:
    mallory = await user(api, "mallory@example.com")
    await put_file(api, mallory, "mallory.json", json.dumps([planted(REAL.job_id)]).encode())
    run = await run_to_end(
        api,
        mallory,
        queries=["python developer"],
        sources=[{"type": "file", "path": "mallory.json"}],
    )
    assert run["counts"] == counts(1, 1, 1)

    bob = await user(api, "bob@example.com")
    assert (await run_to_end(api, bob, **LINKEDIN))["counts"] == counts(1, 1, 1)
    assert (await only_result(api, bob))["link"] == linkedin.url(REAL.job_id)
    assert (await only_result(api, mallory))["link"] == EVIL_LINK


async def test_an_import_cannot_regroup_other_users_jobs_and_boards_still_dedupe(
    api: httpx.AsyncClient, linkedin: FakeLinkedIn, boards: FakeBoards
) -> None:
    greenhouse = {
        job["id"]: job for job in json.loads(fixture("greenhouse/board_acme.json"))["jobs"]
    }
    # Greenhouse's backend job under its company, title and city, with the text of its data
    # job: stored for everyone, it would make the two one job in everyone's results.
    bridge = {
        "link": "https://jobs.lever.co/acme/bridge",
        "title": "Senior Backend Engineer (Python)",
        "company": "Acme Robotics",
        "location": "Berlin, Germany",
        "description": html_to_text(greenhouse[4012345009]["content"]),
    }
    await imported(api, await user(api, "mallory@example.com"), [bridge])
    # The backend job on LinkedIn too: the same company, title and city.
    linkedin.serve([Job("4300000002", bridge["title"], "Acme Robotics GmbH", "Berlin")])
    params = {
        "queries": ["engineer"],
        "sources": [{"type": "linkedin"}, {"type": "greenhouse", "board": "acme"}],
    }
    for email in ("ada@example.com", "bob@example.com"):
        headers = await user(api, email)
        assert (await run_to_end(api, headers, **params))["status"] == "succeeded"
        results = (await ranked(api, headers, ["engineer"]))["job_postings"]
        links = sorted(sorted(link["link"] for link in item["links"]) for item in results)
        assert [linkedin.url("4300000002"), BACKEND] in links, links
        assert [DATA] in links, links


async def test_a_deleted_importers_posting_goes_to_nobody(
    app: LiveServer, api: httpx.AsyncClient, linkedin: FakeLinkedIn
) -> None:
    admin = bearer(await register_admin(app, api, "admin@example.com"))
    mallory = await user(api, "mallory@example.com")
    await imported(api, mallory, [planted(REAL.job_id)])
    mallory_id = await user_id_of(app, "mallory@example.com")
    deleted = await api.delete(f"/admin/users/{mallory_id}", headers=admin)
    assert deleted.status_code == 200, deleted.text

    # The next account (on SQLite it may get her id back) imports the job as its own.
    next_user = await user(api, "next@example.com")
    mine = planted(REAL.job_id, title="Python Developer (mine)", link=EVIL_LINK + "?mine")
    assert await imported(api, next_user, [mine]) == {
        "imported": 1,
        "duplicates": 0,
        "rejected": [],
    }
    assert (await only_result(api, next_user))["link"] == mine["link"]
    bob = await user(api, "bob@example.com")
    assert (await run_to_end(api, bob, **LINKEDIN))["counts"] == counts(1, 1, 1)
    assert (await only_result(api, bob))["link"] == linkedin.url(REAL.job_id)
