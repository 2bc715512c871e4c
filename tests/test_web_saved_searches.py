"""The Saved searches and Alerts pages: save a search from a form (it runs at once), see
its schedule and last run, run it now, switch its email, edit and delete it; read alerts and
the header's unread badge."""

from __future__ import annotations

import json
import re
from typing import Any

import httpx
from conftest import ServerFactory
from processes import free_port
from support import ManualClock
from test_alert_emails import Inbox, mail_settings, serving
from test_saved_searches import FAST, FIRST
from web_support import sign_up, wait_for_run

EMAIL = "ada@example.com"
RUN_LOCATION = re.compile(r"^/\?run=([0-9a-f]{32})$")
SEARCH_ID = re.compile(r'action="/web/saved-searches/(\d+)/run"')


async def upload_jobs(client: httpx.AsyncClient, csrf: str, jobs: list[Any]) -> None:
    """Upload `jobs.json` through the Files page."""
    response = await client.post(
        "/web/files",
        data={"csrf_token": csrf},
        files={"file": ("jobs.json", json.dumps(jobs).encode())},
    )
    assert response.status_code == 303, response.text


def form(csrf: str, **overrides: str) -> dict[str, str]:
    """The saved-search form as a person fills it in."""
    fields = {
        "csrf_token": csrf,
        "name": "Python in Berlin",
        "queries": "python",
        "boards": "file:jobs.json",
        "max_jobs_per_search": "100",
        "keywords": "python, django",
        "min_score": "1",
        "location": "",
        "schedule": "daily",
        "daily_at": "08:30",
        "time_zone": "Europe/Warsaw",
        "every_hours": "24",
    }
    fields.update(overrides)
    return fields


async def saved_from_the_form(client: httpx.AsyncClient, csrf: str, **overrides: str) -> None:
    """Save a search through the page, and wait for its first run."""
    response = await client.post("/web/saved-searches", data=form(csrf, **overrides))
    assert response.status_code == 303, response.text
    assert response.headers["location"] == "/saved?done=saved"
    page = await client.get("/saved?done=saved")
    assert "Its first run has started" in page.text
    run_id = re.search(r'href="/\?run=([0-9a-f]{32})"', page.text)
    assert run_id, page.text
    assert await wait_for_run(client, run_id.group(1)) == "succeeded"


async def test_save_a_search_from_the_page_and_read_its_alerts(
    make_server: ServerFactory,
) -> None:
    server = await make_server(**FAST)
    async with server.client() as client:
        csrf = await sign_up(client, EMAIL)
        await upload_jobs(client, csrf, FIRST)
        await saved_from_the_form(client, csrf)

        page = await client.get("/saved")
        assert "Daily at 08:30 (Europe/Warsaw)" in page.text
        assert "Alerts on: python, django" in page.text
        assert "file:jobs.json" in page.text

        badge = await client.get("/web/alerts/badge")
        assert "2 unread alerts" in badge.text
        alerts = await client.get("/matches")
        assert alerts.status_code == 200
        assert "Python Developer" in alerts.text
        assert "Python Engineer" in alerts.text
        assert "Go Developer" not in alerts.text
        assert "Matched python, django" in alerts.text

        read = await client.post("/web/alerts/read", data={"csrf_token": csrf})
        assert read.status_code == 303
        assert (await client.get("/web/alerts/badge")).text == ""
        assert "0 unread" in (await client.get("/matches")).text


async def test_a_form_with_mistakes_comes_back_with_them(make_server: ServerFactory) -> None:
    server = await make_server(**FAST)
    async with server.client() as client:
        csrf = await sign_up(client, EMAIL)
        response = await client.post(
            "/web/saved-searches",
            data=form(csrf, name="", queries="", time_zone="Mars/Base", min_score="x"),
        )
        assert response.status_code == 400
        assert "The search could not be saved" in response.text
        assert "Search for: enter at least one search" in response.text
        assert "Keywords at least: enter a whole number" in response.text
        assert 'value="Mars/Base"' in response.text  # what was typed is kept
        response = await client.post("/web/saved-searches", data=form(csrf, time_zone="Mars/Base"))
        assert response.status_code == 400
        assert "Time zone: unknown time zone" in response.text
        assert "None yet" in (await client.get("/saved")).text


async def test_run_now_email_edit_and_delete(
    make_server: ServerFactory, clock: ManualClock
) -> None:
    port = free_port()
    for _ in serving(Inbox(), port):
        server = await make_server(**mail_settings(port, saved_search_min_seconds_between_runs=1))
        async with server.client() as client:
            csrf = await sign_up(client, EMAIL)
            await upload_jobs(client, csrf, FIRST)
            await saved_from_the_form(client, csrf)
            search_id = re.search(
                r'action="/web/saved-searches/(\d+)/run"', (await client.get("/saved")).text
            )
            assert search_id
            base = f"/web/saved-searches/{search_id.group(1)}"

            on = await client.post(f"{base}/email", data={"csrf_token": csrf, "email": "on"})
            assert on.headers["location"] == "/saved?done=email-on"
            assert "Turn off emails for Python in Berlin" in (await client.get("/saved")).text

            clock.advance(2)  # past the pause between runs of one search
            run = await client.post(f"{base}/run", data={"csrf_token": csrf})
            assert run.status_code == 303, run.text
            found = RUN_LOCATION.match(run.headers["location"])
            assert found
            assert await wait_for_run(client, found.group(1)) == "succeeded"

            edit = await client.get(f"/saved?edit={search_id.group(1)}")
            assert "Edit saved search" in edit.text
            assert 'value="Python in Berlin"' in edit.text
            edited = await client.post(
                "/web/saved-searches",
                data=form(
                    csrf,
                    search_id=search_id.group(1),
                    name="Every six hours",
                    schedule="hours",
                    every_hours="6",
                ),
            )
            assert edited.headers["location"] == "/saved?done=edited"
            page = (await client.get("/saved")).text
            assert "Every six hours" in page
            assert "Every 6 hours" in page

            deleted = await client.post(f"{base}/delete", data={"csrf_token": csrf})
            assert deleted.headers["location"] == "/saved?done=deleted"
            assert "None yet" in (await client.get("/saved")).text


async def test_the_forms_need_the_pages_csrf_token_and_a_login(
    make_server: ServerFactory,
) -> None:
    server = await make_server(**FAST)
    async with server.client() as client:
        await sign_up(client, EMAIL)
        forged = await client.post("/web/saved-searches", data=form("not-the-token"))
        assert forged.status_code == 403
        assert "None yet" in (await client.get("/saved")).text
    async with server.client() as stranger:
        page = await stranger.get("/saved")
        assert page.status_code == 303
        assert page.headers["location"].startswith("/login")
        assert (await stranger.get("/matches")).status_code == 303


async def test_editing_a_search_that_is_not_there_is_refused_not_an_error(
    make_server: ServerFactory,
) -> None:
    server = await make_server(**FAST)
    async with server.client() as client:
        await sign_up(client, EMAIL)
        assert (await client.get("/saved?edit=12345")).status_code == 404
        # Past the tables' integers SQLite raised (a 500): refused as the invalid address it is.
        for edit in ("0", "2147483648", "99999999999999999999", "abc"):
            refused = await client.get(f"/saved?edit={edit}")
            assert refused.status_code == 400, (edit, refused.text)
            assert "That request was not valid" in refused.text


async def test_a_new_account_lands_on_the_guide_which_marks_steps_done(
    make_server: ServerFactory,
) -> None:
    server = await make_server(**FAST)
    async with server.client() as client:
        landing = await client.get("/login")
        assert "reruns your saved searches on a schedule" in landing.text
        # Every company board the app can search is named, in plain words.
        assert "Greenhouse, Lever, Ashby, Workable, SmartRecruiters, Recruitee and Personio" in (
            landing.text
        )
        assert 'href="/register"' in landing.text
        csrf = await sign_up(client, EMAIL)
        guide = await client.get("/welcome")
        assert "Welcome to DreamJobSearch" in guide.text
        assert "Done:" not in guide.text
        await upload_jobs(client, csrf, FIRST)
        await saved_from_the_form(client, csrf)
        guide = await client.get("/welcome")
        assert guide.text.count("Done:") == 2  # postings and a saved search; no keywords yet


async def test_a_users_files_are_offered_in_the_forms(make_server: ServerFactory) -> None:
    server = await make_server(**FAST)
    async with server.client() as client:
        csrf = await sign_up(client, EMAIL)
        await upload_jobs(client, csrf, FIRST)
        for page in ("/", "/saved"):
            text = (await client.get(page)).text
            assert 'name="files" value="jobs.json"' in text, page
        # Ticked instead of typed as file:jobs.json in Company boards.
        await saved_from_the_form(client, csrf, boards="", files="jobs.json")
        search_id = SEARCH_ID.search((await client.get("/saved")).text)
        assert search_id
        edit = await client.get(f"/saved?edit={search_id.group(1)}")
        assert 'value="jobs.json" checked' in edit.text
        started = await client.post(
            "/web/searches",
            data={
                "csrf_token": csrf,
                "queries": "python",
                "files": "jobs.json",
                "max_jobs_per_search": "100",
            },
        )
        assert started.status_code == 303, started.text
        found = RUN_LOCATION.match(started.headers["location"])
        assert found
        assert await wait_for_run(client, found.group(1)) == "succeeded"
