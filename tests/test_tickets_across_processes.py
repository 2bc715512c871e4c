"""Log-stream tickets and the live panel's stream across two real `dreamjob serve` processes,
as behind a load balancer: a ticket issued by one process opens a stream on the other, once;
the page's cookie opens its stream on either; and the pages, live panel included, work through
a round-robin proxy in front of both."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest
from processes import EXAMPLES, two_servers
from round_robin_proxy import round_robin_proxy
from services_available import REDIS_URL
from support import EventStream, bearer, open_stream, put_file, register
from web_support import HTMX, RUN_STATUS, sign_in, sign_up

# Real API processes on the real PostgreSQL (and Redis).
pytestmark = [pytest.mark.slow, pytest.mark.services]

STREAM = {"Accept": "text/event-stream"}
RUN_ID = re.compile(r'data-run-id="([0-9a-f]{32})"')
FINAL = {"succeeded", "failed", "cancelled", "interrupted"}


async def ticket(client: httpx.AsyncClient, token: str) -> str:
    """A fresh ticket from this process."""
    response = await client.post("/logs/ticket", headers=bearer(token))
    assert response.status_code == 200, response.text
    value: str = response.json()["ticket"]
    return value


async def check_tickets_cross_processes(on_a: httpx.AsyncClient, on_b: httpx.AsyncClient) -> None:
    """A ticket from A opens a stream on B, once; a ticket of a logged-out session opens
    nothing anywhere."""
    token = await register(on_a, "ada@example.com")
    from_a = await ticket(on_a, token)
    async with open_stream(on_b, ticket=from_a):
        # Used on B: refused on A, and on B again.
        assert (await on_a.get("/logs", params={"ticket": from_a})).status_code == 401
        assert (await on_b.get("/logs", params={"ticket": from_a})).status_code == 401

    unused = await ticket(on_b, token)
    assert (await on_a.post("/logout", headers=bearer(token))).status_code == 200
    assert (await on_b.get("/logs", params={"ticket": unused})).status_code == 401


async def test_a_ticket_from_one_process_opens_a_stream_on_another_once_with_redis(
    tmp_path: Path, postgres_url: str, prefix: str
) -> None:
    async with two_servers(
        tmp_path,
        database_url=postgres_url,
        redis_url=REDIS_URL,
        redis_prefix=prefix,
        session_store="redis",
    ) as (on_a, on_b):
        await check_tickets_cross_processes(on_a, on_b)


async def test_a_ticket_from_one_process_opens_a_stream_on_another_once_on_the_database(
    tmp_path: Path, postgres_url: str
) -> None:
    # No Redis: sessions and tickets are shared through PostgreSQL alone.
    async with two_servers(tmp_path, database_url=postgres_url, session_store="database") as (
        on_a,
        on_b,
    ):
        await check_tickets_cross_processes(on_a, on_b)


async def test_the_live_panel_signed_in_on_one_process_streams_from_the_other(
    tmp_path: Path, postgres_url: str, prefix: str
) -> None:
    async with two_servers(
        tmp_path,
        database_url=postgres_url,
        redis_url=REDIS_URL,
        redis_prefix=prefix,
        session_store="redis",
    ) as (on_a, on_b):
        await sign_up(on_a, "ada@example.com")
        # The browser's cookie, sent to whichever process the balancer picks.
        on_b.cookies.update(on_a.cookies)
        cookie_token = on_a.cookies["dreamjob_session"]
        await put_file(
            on_a, bearer(cookie_token), "feed.json", (EXAMPLES / "postings.json").read_bytes()
        )
        async with on_b.stream("GET", "/web/logs", headers=STREAM) as response:
            assert response.status_code == 200
            # The stream on B carries the events of a run started on A.
            stream = EventStream(response)
            started = await on_a.post(
                "/update-database",
                json={"queries": ["engineer"], "sources": [{"type": "file", "path": "feed.json"}]},
                headers=bearer(cookie_token),
            )
            assert started.status_code == 202, started.text
            final = await stream.until(
                lambda event: (
                    event["kind"] == "run_state"
                    and event["data"]["status"] not in ("queued", "running")
                ),
                within=30,
            )
            await stream.close()
        assert final["run_id"] == started.json()["run_id"]
        assert final["data"]["status"] == "succeeded"


async def start_run_from_the_form(browser: httpx.AsyncClient, csrf: str) -> str:
    """Start the feed's search with the page's form, as htmx sends it; the run's id."""
    response = await browser.post(
        "/web/searches",
        data={
            "csrf_token": csrf,
            "queries": "engineer",
            "boards": "file:feed.json",
            "max_jobs_per_search": "100",
        },
        headers=HTMX,
    )
    assert response.status_code == 200, response.text
    found = RUN_ID.search(response.text)
    assert found, response.text
    return found.group(1)


async def follow_run(stream: EventStream, run_id: str) -> list[dict[str, object]]:
    """The run's events as the live panel receives them, up to its final state."""
    events = []
    while True:
        event = await stream.until(lambda item: item["run_id"] == run_id, within=30)
        events.append(event)
        if event["kind"] == "run_state" and event["data"]["status"] in FINAL:
            return events


async def test_the_live_panel_works_through_a_round_robin_proxy(
    tmp_path: Path, postgres_url: str, prefix: str
) -> None:
    async with (
        two_servers(
            tmp_path,
            database_url=postgres_url,
            redis_url=REDIS_URL,
            redis_prefix=prefix,
            session_store="redis",
        ) as (on_a, on_b),
        round_robin_proxy([str(on_a.base_url), str(on_b.base_url)]) as proxy,
        httpx.AsyncClient(base_url=proxy.url, timeout=10) as browser,
    ):
        # Every request below goes to the other process than the one before.
        await register(browser, "ada@example.com")
        csrf = await sign_in(browser, "ada@example.com")  # the login form and its CSRF token
        upload = await browser.post(
            "/web/files",
            data={"csrf_token": csrf},
            files={"file": ("feed.json", (EXAMPLES / "postings.json").read_bytes())},
        )
        assert upload.status_code == 303, upload.text
        page = await browser.get("/")
        assert page.status_code == 200
        assert 'id="live"' in page.text

        # What the page's live.js does: open the stream with the cookie, start runs with
        # the form, and when a run ends reload its panel and the recent runs.
        async with browser.stream("GET", "/web/logs", headers=STREAM) as response:
            assert response.status_code == 200
            stream = EventStream(response)
            started_on = []
            for _ in range(2):
                run_id = await start_run_from_the_form(browser, csrf)
                started_on.append(proxy.served[-1].upstream)
                events = await follow_run(stream, run_id)
                kinds = [event["kind"] for event in events]
                assert "progress" in kinds, kinds
                assert events[-1]["data"] == {**events[-1]["data"], "status": "succeeded"}
                panel = await browser.get(f"/web/runs/{run_id}/panel", headers=HTMX)
                assert panel.status_code == 200
                shown = RUN_STATUS.search(panel.text)
                assert shown, panel.text
                assert shown.group(1) == "succeeded"
                runs = await browser.get("/web/runs", headers=HTMX)
                assert run_id in runs.text
            await stream.close()
        # An odd number of requests between the two starts: one run was started on each
        # process, so one of them ran on the other process than the stream's.
        assert sorted(started_on) == [0, 1]
        assert {served.upstream for served in proxy.served} == {0, 1}
