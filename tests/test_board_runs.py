"""Workable and SmartRecruiters through `POST /update-database`: the app, pointed at their
APIs served from 127.0.0.1 by their base URL settings, runs the whole pipeline; the
assertions are on what a user sees (the run, its counts and messages, the stored postings)
and on what the boards were asked."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from conftest import ServerFactory
from fake_board import (
    CAREERS_JOBS,
    NEXT_PAGE,
    POSTING_IDS,
    POSTINGS,
    WIDGET,
    FakeBoard,
    running,
    serve_smartrecruiters,
    serve_workable,
)
from support import FINAL_STATES, LiveServer, bearer, open_stream, register

JOBS = CAREERS_JOBS
BACKEND, PYTHON = POSTING_IDS[0], POSTING_IDS[3]
WORKABLE = {"type": "workable", "board": "acme-analytics"}
SMARTRECRUITERS = {"type": "smartrecruiters", "board": "AcmeHealth"}


@pytest.fixture
async def boards() -> AsyncIterator[FakeBoard]:
    """Workable's and SmartRecruiters' APIs (one host) with the fixture boards."""
    board = FakeBoard()
    serve_workable(board)
    serve_smartrecruiters(board)
    async with running(board):
        yield board


@pytest.fixture
async def app(boards: FakeBoard, make_server: ServerFactory) -> LiveServer:
    """The app with both boards' base URL settings pointed at the fake."""
    return await make_server(
        workable_base_url=boards.base_url, smartrecruiters_base_url=boards.base_url
    )


@pytest.fixture
async def api(app: LiveServer) -> AsyncIterator[httpx.AsyncClient]:
    """A client of the app, signed up as one user."""
    async with app.client() as client:
        client.headers.update(bearer(await register(client, "ada@example.com")))
        yield client


async def run(api: httpx.AsyncClient, *sources: dict[str, str], **params: Any) -> dict[str, Any]:
    """Run an update of these sources to its end; the run, with the `warnings` it logged."""
    body = {"queries": ["engineer", "python"], "sources": list(sources), **params}
    token = api.headers["Authorization"].removeprefix("Bearer ")
    warnings = []
    async with open_stream(api, token=token) as stream:
        response = await api.post("/update-database", json=body)
        assert response.status_code == 202, response.text
        run_id = response.json()["run_id"]
        while True:
            event = await stream.next(15)
            if event["level"] == "warning":
                warnings.append(event["message"])
            if event["kind"] == "run_state" and event["data"]["status"] in FINAL_STATES:
                break
    finished = await api.get(f"/runs/{run_id}")
    return {**finished.json(), "warnings": warnings}


async def stored(api: httpx.AsyncClient) -> dict[tuple[str, str], dict[str, Any]]:
    """The user's postings in full, by source and board id."""
    response = await api.post("/job-postings", json={"limit": 100})
    assert response.status_code == 200, response.text
    found = {}
    for item in response.json()["job_postings"]:
        detail = (await api.get(f"/job-postings/{item['id']}")).json()
        found[detail["source"], detail["external_id"]] = detail
    return found


def counts(links_found: int, fetched: int, new: int, **others: int) -> dict[str, int]:
    """A run's expected counts."""
    return {
        "links_found": links_found,
        "fetched": fetched,
        "new": new,
        "duplicates": others.get("duplicates", 0),
        "errors": others.get("errors", 0),
        "blocked": others.get("blocked", 0),
    }


def ads_asked(boards: FakeBoard) -> list[str]:
    """The SmartRecruiters postings whose ad was asked for, in order."""
    prefix = f"{POSTINGS}/"
    return [
        seen.path.removeprefix(prefix) for seen in boards.requests if seen.path.startswith(prefix)
    ]


async def test_a_run_stores_both_boards_postings_and_skips_their_bad_jobs(
    api: httpx.AsyncClient, boards: FakeBoard
) -> None:
    finished = await run(api, WORKABLE, SMARTRECRUITERS)

    assert finished["status"] == "succeeded", finished
    # Workable: one posting a query. SmartRecruiters: the backend posting for both queries
    # (fetched once, linked again), the Python one. Each board had one malformed job.
    assert finished["counts"] == counts(5, 4, 4, duplicates=1, errors=2)
    assert boards.asked(WIDGET) == 1
    assert boards.asked(POSTINGS) == 2
    assert sorted(ads_asked(boards)) == sorted([BACKEND, PYTHON])

    postings = await stored(api)
    assert set(postings) == {
        ("workable", "A1B2C3D4E5"),
        ("workable", "F6G7H8J9K0"),
        ("smartrecruiters", BACKEND),
        ("smartrecruiters", PYTHON),
    }
    engineer = postings["workable", "A1B2C3D4E5"]
    assert engineer["job_company"] == "Acme Analytics"
    assert engineer["salary"] == "EUR 70,000\u201390,000"
    assert engineer["seniority_level"] == "Mid-Senior level"
    assert engineer["link"] == "https://apply.workable.com/j/A1B2C3D4E5"
    assert postings["workable", "F6G7H8J9K0"]["job_location"] == "Lisbon, Portugal; Remote"
    backend = postings["smartrecruiters", BACKEND]
    assert backend["salary"] == "EUR 70,000 - 85,000 per year"
    assert backend["employment_type"] == "Full-time"
    assert backend["description"].startswith("Company Description\n\nAcme Health runs 40 clinics")
    assert backend["link"].endswith(f"/AcmeHealth/{BACKEND}-senior-backend-engineer-python-")
    remote = await api.post("/job-postings", json={"remote": True})
    assert [item["job_title"] for item in remote.json()["job_postings"]] == [
        "Python Developer (Remote)"
    ]


async def test_a_second_run_asks_for_no_ad_again(api: httpx.AsyncClient, boards: FakeBoard) -> None:
    await run(api, SMARTRECRUITERS)
    asked = len(ads_asked(boards))

    again = await run(api, SMARTRECRUITERS)

    assert again["status"] == "succeeded", again
    assert again["counts"] == counts(3, 0, 0, duplicates=3, errors=1)
    assert len(ads_asked(boards)) == asked
    assert boards.asked(POSTINGS) == 4  # the list, both pages, once a run


async def test_workable_without_the_widget_reads_pages_and_details(
    api: httpx.AsyncClient, boards: FakeBoard
) -> None:
    finished = await run(api, {"type": "workable", "board": "beta-logistics"}, queries=["engineer"])

    assert finished["status"] == "succeeded", finished
    # Three engineers: two stored whole, one whose detail has no description; and the
    # summary without a shortcode.
    assert finished["counts"] == counts(3, 2, 2, errors=2)
    assert boards.asked(JOBS) == 2
    assert [seen.body.get("token") for seen in boards.requests if seen.path == JOBS] == [
        None,
        NEXT_PAGE,
    ]
    assert (
        "The Workable board beta-logistics sent a page that was not what we expected"
        " (job page https://apply.workable.com/beta-logistics/j/BL10000004/)"
    ) in finished["warnings"]
    postings = await stored(api)
    backend = postings["workable", "BL10000001"]
    assert backend["salary"] == "EUR 65,000\u201380,000"
    assert "Requirements\n\n- 4+ years of Python" in backend["description"]
    assert postings["workable", "BL10000002"]["job_location"] == "Netherlands; Remote"


async def test_a_429_is_waited_out_and_the_run_goes_on(
    api: httpx.AsyncClient, boards: FakeBoard
) -> None:
    boards.fail(POSTINGS, 429)
    boards.fail(WIDGET, 429)

    finished = await run(api, WORKABLE, SMARTRECRUITERS)

    assert finished["status"] == "succeeded", finished
    assert finished["counts"] == counts(5, 4, 4, duplicates=1, errors=2)
    assert boards.asked(WIDGET) == 2
    assert boards.asked(POSTINGS) == 3


async def test_a_board_that_blocks_us_stops_being_asked_and_says_so(
    api: httpx.AsyncClient, boards: FakeBoard
) -> None:
    for posting_id in POSTING_IDS:
        boards.fail(f"{POSTINGS}/{posting_id}", *[403] * 5)

    finished = await run(api, SMARTRECRUITERS, queries=["python"])

    assert finished["status"] == "succeeded", finished
    assert finished["counts"] == counts(2, 0, 0, errors=1, blocked=2)
    assert finished["message"].startswith(
        "The SmartRecruiters board AcmeHealth refused us (blocked): 2 postings remain to fetch"
    ), finished
    # Three refusals in a row open the circuit: nothing more is asked of the host (each of
    # the two postings would otherwise be tried four times). Both fetches run at once, so
    # one more request may be on its way when the third refusal comes.
    assert 3 <= len(ads_asked(boards)) <= 4
