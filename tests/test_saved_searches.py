"""Saved searches through the API: kept per user within limits, run once when saved and
then on their schedule (once, however many servers look), and their new matches as alerts."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

import httpx
from conftest import ServerFactory, SettingsFactory
from support import LiveServer, ManualClock, bearer, put_file, register, wait_run

# The scheduler looks often; tokens and sessions outlive the days the tests move the clock by.
WEEK = 7 * 24 * 3600
T = TypeVar("T")
FAST = {
    "scheduler_interval_seconds": 0.05,
    "jwt_ttl": WEEK,
    "session_idle_timeout": WEEK,
    "session_absolute_timeout": WEEK,
}


def posting(
    number: int, title: str, description: str, location: str = "Berlin, Germany"
) -> dict[str, str]:
    """One posting as a user's JSON file holds it."""
    return {
        "link": f"https://careers.example.com/jobs/{number}",
        "title": title,
        "company": f"Company {number}",
        "location": location,
        "description": description,
    }


FIRST = [
    posting(1, "Python Developer", "Django and PostgreSQL."),
    posting(2, "Python Engineer", "FastAPI services.", "Warsaw, Poland"),
    posting(3, "Go Developer", "Microservices."),
]


def search_body(**overrides: Any) -> dict[str, Any]:
    """A saved search over the user's `jobs.json`, alerting on Python postings."""
    body: dict[str, Any] = {
        "name": "Python in Berlin",
        "queries": ["python"],
        "sources": [{"type": "file", "path": "jobs.json"}],
        "keywords": ["Python", "Django"],
        "every_hours": 24,
    }
    body.update(overrides)
    return body


async def put_jobs(client: httpx.AsyncClient, headers: dict[str, str], jobs: list[Any]) -> None:
    """Replace the user's `jobs.json`."""
    await put_file(client, headers, "jobs.json", json.dumps(jobs).encode())


async def saved_with_first_run(
    client: httpx.AsyncClient, headers: dict[str, str], **overrides: Any
) -> dict[str, Any]:
    """Save a search (201) and wait for its first run to finish."""
    response = await client.post("/saved-searches", json=search_body(**overrides), headers=headers)
    assert response.status_code == 201, response.text
    saved: dict[str, Any] = response.json()
    assert saved["last_error"] is None
    run = await wait_run(client, headers, saved["last_run_id"])
    assert run["status"] == "succeeded", run
    assert run["saved_search_id"] == saved["id"]
    return saved


async def alerts_of(client: httpx.AsyncClient, headers: dict[str, str]) -> dict[str, Any]:
    """The user's alerts (and their unread count), waiting briefly for a run's to land."""
    response = await client.get("/alerts", headers=headers)
    assert response.status_code == 200, response.text
    found: dict[str, Any] = response.json()
    return found


async def runs_of(client: httpx.AsyncClient, headers: dict[str, str]) -> list[dict[str, Any]]:
    """The user's runs, newest first."""
    response = await client.get("/runs", headers=headers)
    assert response.status_code == 200, response.text
    runs: list[dict[str, Any]] = response.json()
    return runs


async def until(
    read: Callable[[], Awaitable[T]], done: Callable[[T], bool] = bool, within: float = 10
) -> T:
    """Poll `read()` until `done` holds for what it returns; fail after `within` seconds."""
    deadline = time.monotonic() + within
    while True:
        value = await read()
        if done(value):
            return value
        assert time.monotonic() < deadline, f"still {value!r} after {within} s"
        await asyncio.sleep(0.05)


def some_alerts(found: dict[str, Any]) -> bool:
    """Whether the user has any alert yet."""
    return bool(found["alerts"])


async def test_a_saved_search_runs_at_once_and_alerts_on_matching_new_postings(
    make_server: ServerFactory,
) -> None:
    server = await make_server(**FAST)
    async with server.client() as client:
        headers = bearer(await register(client, "ada@example.com"))
        await put_jobs(client, headers, FIRST)
        saved = await saved_with_first_run(client, headers, location="Berlin", min_score=1)

        found = await until(lambda: alerts_of(client, headers), some_alerts)
        # Python Developer (Berlin) matches; Python Engineer is in Warsaw, Go Developer has
        # no keyword.
        assert found["unread"] == 1
        [alert] = found["alerts"]
        assert alert["title"] == "Python Developer"
        assert alert["company"] == "Company 1"
        assert alert["link"] == "https://careers.example.com/jobs/1"
        assert alert["matched"] == ["Python", "Django"]
        assert alert["score"] == 2
        assert alert["saved_search_id"] == saved["id"]
        assert alert["saved_search_name"] == "Python in Berlin"
        assert alert["read_at"] is None


async def test_min_score_keeps_weaker_matches_out(server: LiveServer) -> None:
    async with server.client() as client:
        headers = bearer(await register(client, "ada@example.com"))
        await put_jobs(client, headers, FIRST)
        await saved_with_first_run(client, headers, min_score=2)
        found = await until(lambda: alerts_of(client, headers), some_alerts)
        assert [alert["title"] for alert in found["alerts"]] == ["Python Developer"]


async def test_without_keywords_every_new_posting_alerts(server: LiveServer) -> None:
    async with server.client() as client:
        headers = bearer(await register(client, "ada@example.com"))
        await put_jobs(client, headers, FIRST)
        await saved_with_first_run(client, headers, queries=["developer"], keywords=[])
        found = await until(lambda: alerts_of(client, headers), some_alerts)
        assert sorted(alert["title"] for alert in found["alerts"]) == [
            "Go Developer",
            "Python Developer",
        ]
        assert {alert["score"] for alert in found["alerts"]} == {0}


async def test_a_due_search_runs_again_and_alerts_only_on_what_is_new(
    make_server: ServerFactory, clock: ManualClock
) -> None:
    server = await make_server(**FAST)
    async with server.client() as client:
        headers = bearer(await register(client, "ada@example.com"))
        await put_jobs(client, headers, FIRST)
        saved = await saved_with_first_run(client, headers, every_hours=6)
        await until(lambda: alerts_of(client, headers), some_alerts)
        first_next = datetime.fromisoformat(saved["next_run_at"])
        assert first_next == datetime.fromtimestamp(clock.now(), UTC) + timedelta(hours=6)

        await put_jobs(
            client, headers, [*FIRST, posting(4, "Senior Python Developer", "Django REST.")]
        )
        clock.advance(5 * 3600)
        await asyncio.sleep(0.3)
        assert len(await runs_of(client, headers)) == 1, "ran before it was due"

        clock.advance(3600 + 1)
        runs = await until(lambda: runs_of(client, headers), lambda runs: len(runs) == 2)
        second = await wait_run(client, headers, runs[0]["run_id"])
        assert second["status"] == "succeeded"
        assert second["saved_search_id"] == saved["id"]
        assert second["counts"]["new"] == 1

        found = await until(lambda: alerts_of(client, headers), lambda found: found["unread"] == 3)
        newest = found["alerts"][0]
        assert newest["title"] == "Senior Python Developer", found["alerts"]
        assert [alert["run_id"] for alert in found["alerts"]].count(second["run_id"]) == 1

        response = await client.get(f"/saved-searches/{saved['id']}", headers=headers)
        again = response.json()
        assert again["last_run_id"] == second["run_id"]
        assert datetime.fromisoformat(again["next_run_at"]) > first_next
        await asyncio.sleep(0.3)
        assert len(await runs_of(client, headers)) == 2, "a due search ran twice"


async def test_two_servers_on_one_database_start_a_due_search_once(
    make_settings: SettingsFactory, make_server: ServerFactory, clock: ManualClock
) -> None:
    settings = make_settings(session_store="database", **FAST)
    first = await make_server(settings)
    second = await make_server(settings)
    async with first.client() as client, second.client() as other:
        token = await register(client, "ada@example.com")
        headers = bearer(token)
        await put_jobs(client, headers, FIRST)
        await saved_with_first_run(client, headers, every_hours=1)
        for hour in range(1, 6):
            clock.advance(3600 + 1)
            runs = await until(lambda: runs_of(other, headers), lambda runs, n=hour: len(runs) > n)
            await wait_run(other, headers, runs[0]["run_id"])
            # Both servers looked (every 0.05 s) while it was due; one of them started it.
            await asyncio.sleep(0.3)
            assert len(await runs_of(client, headers)) == hour + 1


async def test_a_saved_search_is_its_owners_only(server: LiveServer) -> None:
    async with server.client() as client:
        ada = bearer(await register(client, "ada@example.com"))
        bob = bearer(await register(client, "bob@example.com"))
        await put_jobs(client, ada, FIRST)
        saved = await saved_with_first_run(client, ada)
        await until(lambda: alerts_of(client, ada), some_alerts)
        path = f"/saved-searches/{saved['id']}"

        assert (await client.get(path, headers=bob)).status_code == 404
        assert (await client.patch(path, json={"name": "mine"}, headers=bob)).status_code == 404
        assert (await client.post(f"{path}/run", headers=bob)).status_code == 404
        assert (await client.delete(path, headers=bob)).status_code == 404
        assert (await client.get("/saved-searches", headers=bob)).json() == []
        assert await alerts_of(client, bob) == {"unread": 0, "alerts": []}
        marked = await client.post("/alerts/read", json={}, headers=bob)
        assert marked.json() == {"marked": 0, "unread": 0}
        assert (await alerts_of(client, ada))["unread"] == 2
        assert (await client.get(path, headers=ada)).json()["name"] == "Python in Berlin"
        assert (await client.get("/saved-searches")).status_code == 401


async def test_invalid_searches_are_refused_naming_the_problem(server: LiveServer) -> None:
    async with server.client() as client:
        headers = bearer(await register(client, "ada@example.com"))
        cases = {
            "either every_hours or daily_at": search_body(daily_at="08:00"),
            "give a schedule": search_body(every_hours=None),
            "unknown time zone": search_body(
                every_hours=None, daily_at="08:00", time_zone="Mars/Base"
            ),
            "daily_at": search_body(every_hours=None, daily_at="25:00"),
            "every_hours": search_body(every_hours=0),
            "queries": search_body(queries=[]),
            "extra": search_body(colour="blue"),
        }
        for problem, body in cases.items():
            response = await client.post("/saved-searches", json=body, headers=headers)
            assert response.status_code == 422, (problem, response.text)
            assert problem in response.text, (problem, response.text)
        assert (await client.get("/saved-searches", headers=headers)).json() == []


async def test_limits_on_how_many_and_how_often(make_server: ServerFactory) -> None:
    server = await make_server(
        saved_searches_max_per_user=2, saved_search_min_every_hours=3, **FAST
    )
    async with server.client() as client:
        headers = bearer(await register(client, "ada@example.com"))
        await put_jobs(client, headers, FIRST)
        too_often = await client.post(
            "/saved-searches", json=search_body(every_hours=2), headers=headers
        )
        assert too_often.status_code == 422
        assert "at least 3" in too_often.text

        saved = await saved_with_first_run(client, headers)
        await saved_with_first_run(client, headers, name="second")
        third = await client.post(
            "/saved-searches", json=search_body(name="third"), headers=headers
        )
        assert third.status_code == 429
        assert "delete one" in third.json()["detail"]

        again = await client.post(f"/saved-searches/{saved['id']}/run", headers=headers)
        assert again.status_code == 429
        assert int(again.headers["retry-after"]) > 0
        # Another account is not held back by this one's limits.
        other = bearer(await register(client, "bob@example.com"))
        await put_jobs(client, other, FIRST)
        await saved_with_first_run(client, other)


async def test_run_by_hand_after_the_cooldown(
    make_server: ServerFactory, clock: ManualClock
) -> None:
    server = await make_server(saved_search_min_seconds_between_runs=60, **FAST)
    async with server.client() as client:
        headers = bearer(await register(client, "ada@example.com"))
        await put_jobs(client, headers, FIRST)
        saved = await saved_with_first_run(client, headers)
        clock.advance(61)
        response = await client.post(f"/saved-searches/{saved['id']}/run", headers=headers)
        assert response.status_code == 202, response.text
        run = await wait_run(client, headers, response.json()["run_id"])
        assert run["saved_search_id"] == saved["id"]
        # Its schedule did not move: the next run is still a day after the first.
        after = (await client.get(f"/saved-searches/{saved['id']}", headers=headers)).json()
        assert after["next_run_at"] == saved["next_run_at"]


async def test_edit_keeps_what_is_not_sent_and_a_new_schedule_counts_from_now(
    server: LiveServer, clock: ManualClock
) -> None:
    async with server.client() as client:
        headers = bearer(await register(client, "ada@example.com"))
        await put_jobs(client, headers, FIRST)
        saved = await saved_with_first_run(client, headers)
        path = f"/saved-searches/{saved['id']}"

        renamed = await client.patch(path, json={"name": "Renamed"}, headers=headers)
        assert renamed.status_code == 200, renamed.text
        assert renamed.json()["keywords"] == ["Python", "Django"]
        assert renamed.json()["next_run_at"] == saved["next_run_at"]

        daily = await client.patch(
            path, json={"daily_at": "08:30", "time_zone": "Europe/Warsaw"}, headers=headers
        )
        assert daily.status_code == 200, daily.text
        body = daily.json()
        assert body["every_hours"] is None
        due = datetime.fromisoformat(body["next_run_at"])
        now = datetime.fromtimestamp(clock.now(), UTC)
        assert now < due <= now + timedelta(days=1)
        local = due.astimezone(ZoneInfo("Europe/Warsaw"))
        assert (local.hour, local.minute) == (8, 30)

        broken = await client.patch(path, json={"time_zone": "Nowhere/Land"}, headers=headers)
        assert broken.status_code == 422
        assert "unknown time zone" in broken.text
        assert (await client.get(path, headers=headers)).json()["time_zone"] == "Europe/Warsaw"


async def test_deleting_keeps_its_runs_and_alerts(server: LiveServer) -> None:
    async with server.client() as client:
        headers = bearer(await register(client, "ada@example.com"))
        await put_jobs(client, headers, FIRST)
        saved = await saved_with_first_run(client, headers)
        await until(lambda: alerts_of(client, headers), some_alerts)
        path = f"/saved-searches/{saved['id']}"
        assert (await client.delete(path, headers=headers)).status_code == 204
        assert (await client.get(path, headers=headers)).status_code == 404
        assert (await client.delete(path, headers=headers)).status_code == 404
        [run] = await runs_of(client, headers)
        assert run["saved_search_id"] is None
        found = await alerts_of(client, headers)
        assert len(found["alerts"]) == 2
        assert {alert["saved_search_name"] for alert in found["alerts"]} == {None}


async def test_marking_alerts_read(server: LiveServer) -> None:
    async with server.client() as client:
        headers = bearer(await register(client, "ada@example.com"))
        await put_jobs(client, headers, FIRST)
        await saved_with_first_run(client, headers)
        found = await until(lambda: alerts_of(client, headers), some_alerts)
        assert len(found["alerts"]) == 2
        first = found["alerts"][0]["id"]
        marked = await client.post("/alerts/read", json={"ids": [first]}, headers=headers)
        assert marked.json() == {"marked": 1, "unread": 1}
        marked = await client.post("/alerts/read", json={}, headers=headers)
        assert marked.json() == {"marked": 1, "unread": 0}
        read = await alerts_of(client, headers)
        assert all(alert["read_at"] for alert in read["alerts"])
        bad = await client.post("/alerts/read", json={"ids": ["x"]}, headers=headers)
        assert bad.status_code == 422
