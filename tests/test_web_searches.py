"""The Searches page: starting update runs from the form, their panel, cancelling, tickets."""

from __future__ import annotations

import asyncio
import html
import json
import re
import uuid
from collections.abc import AsyncIterator

import httpx
import pytest
from conftest import ServerFactory
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from support import EventStream, LiveServer, start_server, user_id_of
from web_support import HTMX, csrf_meta, session_token, sign_up, wait_for_run

from dreamjobsearch.web.search_form import SearchForm, SearchFormError

EMAIL = "ada@example.com"
POSTINGS = [
    {
        "link": "https://careers.example.com/jobs/1",
        "title": "Senior Python Developer",
        "company": "Vistula Byteworks",
        "location": "Warsaw, Poland",
        "description": "Build Python services with Django.",
    },
    {
        "link": "https://careers.example.com/jobs/2",
        "title": "Python Data Engineer",
        "company": "Kestrelgate",
        "location": "Kraków, Poland",
        "description": "Python pipelines on Airflow.",
    },
]
RUN_LOCATION = re.compile(r"^/\?run=([0-9a-f]{32})$")


def file_search(csrf: str) -> dict[str, str]:
    """The form asking for python jobs in postings.json."""
    return {
        "csrf_token": csrf,
        "queries": "python",
        "locations": "Poland",
        "boards": "file:postings.json",
        "max_jobs_per_search": "50",
    }


async def upload_postings(client: httpx.AsyncClient, csrf: str) -> None:
    """Upload postings.json on the files page, for `file:` sources."""
    data = json.dumps({"postings": POSTINGS}).encode()
    response = await client.post(
        "/web/files", data={"csrf_token": csrf}, files={"file": ("postings.json", data)}
    )
    assert response.status_code == 303, response.text


async def start(client: httpx.AsyncClient, csrf: str) -> str:
    """Upload postings.json and start the file search with the plain form; the run id."""
    await upload_postings(client, csrf)
    response = await client.post("/web/searches", data=file_search(csrf))
    assert response.status_code == 303, response.text
    found = RUN_LOCATION.match(response.headers["location"])
    assert found, response.headers["location"]
    return found.group(1)


async def test_the_form_starts_a_run_that_the_page_then_shows(
    client: httpx.AsyncClient,
) -> None:
    csrf = await sign_up(client, EMAIL)
    run_id = await start(client, csrf)
    assert await wait_for_run(client, run_id) == "succeeded"
    page = await client.get(f"/?run={run_id}")
    assert f'data-run-id="{run_id}"' in page.text
    assert 'data-status="succeeded"' in page.text
    assert 'value="100"' in page.text
    assert '<dd data-count="new">2</dd>' in page.text
    # The form is filled in as for the last run, to repeat it easily.
    assert 'value="postings.json" checked' in page.text  # the file source, ticked
    assert ">Poland</textarea>" in page.text
    # The boards' hint shows how to name each company board.
    for board in ("greenhouse", "workable", "smartrecruiters", "recruitee", "personio"):
        assert f"<kbd>{board}:acme</kbd>" in page.text


async def test_htmx_gets_the_run_panel_and_the_runs_table(client: httpx.AsyncClient) -> None:
    csrf = await sign_up(client, EMAIL)
    await upload_postings(client, csrf)
    response = await client.post("/web/searches", data=file_search(csrf), headers=HTMX)
    assert response.status_code == 200
    assert response.text.lstrip().startswith('<div id="run-panel"')
    assert '<div id="runs-table" class="table-wrap" hx-swap-oob="true">' in response.text
    run_id = re.search(r'data-run-id="([0-9a-f]+)"', response.text)
    assert run_id
    assert await wait_for_run(client, run_id.group(1)) == "succeeded"
    table = await client.get("/web/runs", headers=HTMX)
    assert "succeeded" in table.text


async def test_a_form_with_mistakes_comes_back_with_every_problem(
    client: httpx.AsyncClient,
) -> None:
    csrf = await sign_up(client, EMAIL)
    data = {
        "csrf_token": csrf,
        "queries": "  ",
        "boards": "monster:acme",
        "published_after": "yesterday",
        "max_jobs_per_search": "lots",
    }
    page = await client.post("/web/searches", data=data)
    assert page.status_code == 400
    for problem in (
        "enter at least one search",
        "write a board as greenhouse:NAME",
        "use a date like 2026-11-01",
        "enter a whole number from 1 to 1000",
    ):
        assert problem in page.text
    assert "monster:acme</textarea>" in page.text
    fragment = await client.post("/web/searches", data=data, headers=HTMX)
    assert fragment.status_code == 400
    assert fragment.headers["HX-Retarget"] == "#search-form"
    assert fragment.text.lstrip().startswith('<form id="search-form"')
    assert (await client.get("/web/runs", headers=HTMX)).text.count("<tr>") == 0


async def test_too_many_runs_is_shown_as_an_alert(server: LiveServer) -> None:
    async with server.client() as client:
        csrf = await sign_up(client, EMAIL)
        user_id = await user_id_of(server, EMAIL)
        for _ in range(server.services.settings.runs_max_active_per_user):
            await server.services.runs.create(uuid.uuid4().hex, user_id, {})  # queued
        data = file_search(csrf)
        fragment = await client.post("/web/searches", data=data, headers=HTMX)
        page = await client.post("/web/searches", data=data)
    assert fragment.status_code == 429
    assert fragment.headers["HX-Retarget"] == "#alerts"
    assert "runs in progress" in fragment.text
    assert page.status_code == 429
    assert "runs in progress" in page.text


@pytest.fixture
async def stalled_board() -> AsyncIterator[str]:
    """A Greenhouse that never answers until the test ends; yields its base URL."""
    release = asyncio.Event()

    async def endpoint(_request: Request) -> Response:
        await release.wait()
        return Response("{}", media_type="application/json")

    fake = await start_server(
        Starlette(
            routes=[Route("/v1/boards/slow", endpoint), Route("/v1/boards/slow/jobs", endpoint)]
        )
    )
    yield fake.base_url
    release.set()
    await fake.stop()


async def test_the_cancel_button_stops_a_running_run(
    make_server: ServerFactory, stalled_board: str
) -> None:
    server = await make_server(greenhouse_base_url=stalled_board)
    async with server.client() as client:
        csrf = await sign_up(client, EMAIL)
        data = {"csrf_token": csrf, "queries": "python", "boards": "greenhouse:slow"}
        response = await client.post("/web/searches", data={**data, "max_jobs_per_search": "5"})
        run_id = response.headers["location"].removeprefix("/?run=")
        panel = await client.get(f"/web/runs/{run_id}/panel", headers=HTMX)
        assert 'data-active="true"' in panel.text
        assert f'hx-post="/web/runs/{run_id}/cancel"' in panel.text
        cancelled = await client.post(
            f"/web/runs/{run_id}/cancel", headers={**HTMX, "X-CSRF-Token": csrf}
        )
        assert cancelled.status_code == 200
        assert cancelled.text.lstrip().startswith(
            f'<div id="run-panel" class="run-panel" data-run-id="{run_id}"'
        )
        assert await wait_for_run(client, run_id) == "cancelled"
        final = await client.get(f"/web/runs/{run_id}/panel", headers=HTMX)
        assert ">stopped</span>" in final.text
        assert "/cancel" not in final.text


async def test_cancelling_a_finished_run_says_so(client: httpx.AsyncClient) -> None:
    csrf = await sign_up(client, EMAIL)
    run_id = await start(client, csrf)
    await wait_for_run(client, run_id)
    response = await client.post(f"/web/runs/{run_id}/cancel", data={"csrf_token": csrf})
    assert response.status_code == 409
    assert "run already succeeded" in response.text


async def test_nobody_else_can_see_or_cancel_a_run(server: LiveServer) -> None:
    async with server.client() as owner, server.client() as other:
        run_id = await start(owner, await sign_up(owner, EMAIL))
        csrf = await sign_up(other, "bob@example.com")
        assert (await other.get(f"/?run={run_id}")).status_code == 404
        assert (await other.get(f"/web/runs/{run_id}/panel", headers=HTMX)).status_code == 404
        cancel = await other.post(f"/web/runs/{run_id}/cancel", data={"csrf_token": csrf})
        assert cancel.status_code == 404
        assert run_id not in (await other.get("/web/runs", headers=HTMX)).text
        assert await wait_for_run(owner, run_id) == "succeeded"


async def test_the_live_panels_stream_opens_with_only_the_session_cookie(
    server: LiveServer,
) -> None:
    async with server.client() as client:
        csrf = await sign_up(client, EMAIL)
        # What live.js sends: the cookie, no token, no ticket, no CSRF token (a GET).
        async with client.stream(
            "GET", "/web/logs", headers={"Accept": "text/event-stream"}
        ) as response:
            assert response.status_code == 200
            assert response.headers["content-type"].startswith("text/event-stream")
            assert response.headers["Cache-Control"] == "no-store"
            stream = EventStream(response)
            run_id = await start(client, csrf)
            final = await stream.until(
                lambda event: (
                    event["kind"] == "run_state" and event["data"]["status"] == "succeeded"
                )
            )
            await stream.close()
        assert final["run_id"] == run_id
        assert final["data"]["new"] == 2


async def test_the_live_panels_stream_is_401_once_logged_out(server: LiveServer) -> None:
    async with server.client() as client:
        stream_headers = {"Accept": "text/event-stream"}
        assert (await client.get("/web/logs", headers=stream_headers)).status_code == 401
        csrf = await sign_up(client, EMAIL)
        cookie = client.cookies["dreamjob_session"]
        await client.post("/web/logout", headers={"X-CSRF-Token": csrf})
        # The ended session's cookie, sent again, opens nothing (the page then goes to /login).
        client.cookies.set("dreamjob_session", cookie)
        assert (await client.get("/web/logs", headers=stream_headers)).status_code == 401


async def test_the_searches_page_loads_the_live_script(client: httpx.AsyncClient) -> None:
    home = await client.get("/login")
    assert "live.js" not in home.text
    await sign_up(client, EMAIL)
    page = await client.get("/")
    assert "/static/js/live.js" in page.text
    assert csrf_meta(page.text)


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("greenhouse:acme", {"type": "greenhouse", "board": "acme"}),
        ("Lever:acme", {"type": "lever", "board": "acme"}),
        ("https://boards.greenhouse.io/acme", {"type": "greenhouse", "board": "acme"}),
        ("job-boards.greenhouse.io/acme/jobs/123", {"type": "greenhouse", "board": "acme"}),
        ("https://jobs.lever.co/acme/", {"type": "lever", "board": "acme"}),
        ("jobs.ashbyhq.com/acme", {"type": "ashby", "board": "acme"}),
        ("file:postings.csv", {"type": "file", "path": "postings.csv"}),
    ],
)
def test_company_boards_by_name_or_address(line: str, expected: dict[str, str]) -> None:
    params = SearchForm(queries="python", linkedin=False, boards=line).to_params()
    assert params.sources is not None
    assert [spec.model_dump() for spec in params.sources] == [expected]


@pytest.mark.parametrize(
    "line",
    ["acme", "monster:acme", "https://example.com/acme", "lever:", "file:exports/x.csv", "file:.x"],
)
def test_unknown_boards_are_refused(line: str) -> None:
    with pytest.raises(SearchFormError):
        SearchForm(queries="python", linkedin=False, boards=line).to_params()


def test_the_form_round_trips_through_a_runs_params() -> None:
    form = SearchForm(
        queries="python\ndata engineer",
        locations="Poland",
        linkedin=True,
        arbeitnow=True,
        boards="greenhouse:acme",
        published_after="2026-11-01",
        max_jobs_per_search="30",
    )
    params = form.to_params().model_dump(mode="json")
    assert SearchForm.from_params(params) == form


# --- failed runs, run again, a run's new postings, times ------------------------------------

MORE_POSTINGS = [
    *POSTINGS,
    {
        "link": "https://careers.example.com/jobs/3",
        "title": "Python Backend Engineer",
        "company": "Orla Systems",
        "location": "Gdańsk, Poland",
        "description": "Python services on PostgreSQL.",
    },
]


async def test_a_failed_run_says_why_in_plain_words_and_in_red(client: httpx.AsyncClient) -> None:
    # LinkedIn is a closed port of 127.0.0.1 in the tests: nothing answers there.
    csrf = await sign_up(client, EMAIL)
    data = {"csrf_token": csrf, "queries": "python", "linkedin": "on", "max_jobs_per_search": "5"}
    response = await client.post("/web/searches", data=data)
    assert response.status_code == 303, response.text[-3000:]
    run_id = response.headers["location"].removeprefix("/?run=")
    assert await wait_for_run(client, run_id) == "failed"
    panel = (await client.get(f"/web/runs/{run_id}/panel", headers=HTMX)).text
    assert 'class="badge status status-failed"' in panel
    assert (
        '<p class="notice notice-error">LinkedIn could not be reached: nothing answered at its '
        "address (searching &#39;python&#39;)</p>"
    ) in panel
    assert not re.search(r"Errno|ConnectError|Exception|127\.0\.0\.1", panel)
    assert 'class="count count-errors count-some"' in panel
    assert ">failed</span>" in panel


async def test_no_errors_is_not_shown_as_an_alarm(client: httpx.AsyncClient) -> None:
    csrf = await sign_up(client, EMAIL)
    run_id = await start(client, csrf)
    assert await wait_for_run(client, run_id) == "succeeded"
    panel = (await client.get(f"/web/runs/{run_id}/panel", headers=HTMX)).text
    assert 'class="count count-errors"' in panel
    assert 'class="count count-new count-some"' in panel
    table = (await client.get("/web/runs", headers=HTMX)).text
    assert "count-some" not in table


async def test_times_are_marked_for_the_readers_time_zone(client: httpx.AsyncClient) -> None:
    csrf = await sign_up(client, EMAIL)
    run_id = await start(client, csrf)
    await wait_for_run(client, run_id)
    page = await client.get(f"/?run={run_id}")
    # Written in UTC for a page without scripts; times.js shows them in the reader's zone.
    times = re.findall(r'<time datetime="([^"]+)" data-local>([^<]+)</time>', page.text)
    assert times
    assert all(text.endswith(" UTC") and "+00:00" in iso for iso, text in times)
    assert "/static/js/times.js" in page.text


async def test_run_again_starts_the_same_search(server: LiveServer) -> None:
    async with server.client() as client, server.client() as other:
        csrf = await sign_up(client, EMAIL)
        first = await start(client, csrf)
        await wait_for_run(client, first)
        page = await client.get("/")
        assert f'action="/web/runs/{first}/again"' in page.text

        refused = await client.post(f"/web/runs/{first}/again")
        assert refused.status_code == 403
        again = await client.post(f"/web/runs/{first}/again", data={"csrf_token": csrf})
        assert again.status_code == 303
        second = again.headers["location"].removeprefix("/?run=")
        assert second != first
        assert await wait_for_run(client, second) == "succeeded"
        headers = {"Authorization": f"Bearer {session_token(client)}"}
        runs = {
            run_id: (await client.get(f"/runs/{run_id}", headers=headers)).json()
            for run_id in (first, second)
        }
        assert runs[first]["params"] == runs[second]["params"]
        assert runs[second]["counts"]["duplicates"] == 2

        other_csrf = await sign_up(other, "bob@example.com")
        stranger = await other.post(f"/web/runs/{first}/again", data={"csrf_token": other_csrf})
        assert stranger.status_code == 404


async def test_a_start_clears_the_problems_of_an_earlier_attempt(
    client: httpx.AsyncClient,
) -> None:
    csrf = await sign_up(client, EMAIL)
    await upload_postings(client, csrf)
    headers = {**HTMX, "X-CSRF-Token": csrf}
    wrong = await client.post("/web/searches", data={"queries": " "}, headers=headers)
    assert wrong.status_code == 400
    assert "enter at least one search" in wrong.text
    started = await client.post("/web/searches", data=file_search(csrf), headers=headers)
    assert started.status_code == 200
    assert '<div id="search-problems" hx-swap-oob="true"></div>' in started.text
    assert '<div id="alerts" hx-swap-oob="innerHTML"></div>' in started.text
    run_id = re.search(r'data-run-id="([0-9a-f]+)"', started.text)
    assert run_id
    await wait_for_run(client, run_id.group(1))


async def test_see_results_shows_the_postings_that_run_found_new(server: LiveServer) -> None:
    async with server.client() as client, server.client() as other:
        csrf = await sign_up(client, EMAIL)
        first = await start(client, csrf)
        await wait_for_run(client, first)
        data = json.dumps({"postings": MORE_POSTINGS}).encode()
        await client.post(
            "/web/files", data={"csrf_token": csrf}, files={"file": ("more.json", data)}
        )
        response = await client.post(
            "/web/searches", data={**file_search(csrf), "boards": "file:more.json"}
        )
        second = response.headers["location"].removeprefix("/?run=")
        await wait_for_run(client, second)

        panel = (await client.get(f"/web/runs/{second}/panel", headers=HTMX)).text
        link = re.search(
            r'<a class="button button-primary" href="([^"]+)">See the 1 new posting<', panel
        )
        assert link, panel
        results = (await client.get(html.unescape(link.group(1)))).text
        assert "Python Backend Engineer" in results
        assert "Senior Python Developer" not in results
        assert "Only the postings one update run found new" in results
        first_panel = (await client.get(f"/web/runs/{first}/panel", headers=HTMX)).text
        first_link = re.search(r'href="(/results\?[^"]+)">See the 2 new postings<', first_panel)
        assert first_link
        earlier = (await client.get(html.unescape(first_link.group(1)))).text
        assert "Senior Python Developer" in earlier
        assert "Python Backend Engineer" not in earlier

        # The API's ranking takes the same filter.
        headers = {"Authorization": f"Bearer {session_token(client)}"}
        body = {"keywords": ["python"], "run_id": second}
        ranked = (await client.post("/job-postings", json=body, headers=headers)).json()
        assert [item["job_title"] for item in ranked["job_postings"]] == ["Python Backend Engineer"]
        await sign_up(other, "bob@example.com")
        stranger = {"Authorization": f"Bearer {session_token(other)}"}
        assert (await other.post("/job-postings", json=body, headers=stranger)).status_code == 404
        assert (await other.get(f"/results?keywords=python&run={second}")).status_code == 404

        # Exporting that view, from the page's links or the API, exports that run's postings.
        csv_link = re.search(r'href="(/web/export\?[^"]*format=csv[^"]*)"', results)
        assert csv_link, results
        assert f"run={second}" in html.unescape(csv_link.group(1))
        exported = (await client.get(html.unescape(csv_link.group(1)))).text
        assert "Python Backend Engineer" in exported
        assert "Senior Python Developer" not in exported
        query = {"keywords": "python", "format": "json", "run_id": second}
        from_api = await client.get("/job-postings/export", params=query, headers=headers)
        assert [row["job_title"] for row in from_api.json()] == ["Python Backend Engineer"]
        assert (
            await other.get("/job-postings/export", params=query, headers=stranger)
        ).status_code == 404
        assert (await other.get(f"/web/export?run={second}")).status_code == 404
