"""Update runs from file sources: start, counts, filters, listing, cancelling, restarts."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import re
import time
from pathlib import Path
from typing import Any

import httpx
from processes import BIG_FILE_LIMITS, generate_postings
from support import FINAL_STATES, LiveServer, bearer, login, put_file, register, wait_run

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
COUNT_NAMES = {"links_found", "fetched", "new", "duplicates", "errors", "blocked"}

RUN_POSTINGS: list[dict[str, Any]] = [
    {
        "link": "https://careers.example.com/jobs/1",
        "title": "Python Developer",
        "company": "Vistula Byteworks",
        "location": "Warsaw, Masovian, Poland",
        "description": "Django and PostgreSQL.",
        "posted_at": "2026-11-10T08:00:00Z",
    },
    {
        "link": "https://careers.example.com/jobs/2",
        "title": "Senior Python Developer",
        "company": "Kestrelgate",
        "location": "Kraków, Lesser Poland, Poland",
        "description": "FastAPI services.",
        "posted_at": "2026-09-01T08:00:00Z",
    },
    {
        "link": "https://careers.example.com/jobs/3",
        "title": "Python Engineer",
        "company": "Lumenhaus",
        "location": "Berlin, Germany",
        "description": "Data pipelines.",
    },
    {
        "link": "https://careers.example.com/jobs/4",
        "title": "Go Developer",
        "company": "Vistula Byteworks",
        "location": "Warsaw, Masovian, Poland",
        "description": "Microservices.",
        "posted_at": "2026-11-12T08:00:00Z",
    },
    {
        "link": "https://careers.example.com/jobs/5",
        "title": "Frontend Developer",
        "company": "Lumenhaus",
        "location": "Berlin, Germany",
        "description": "React.",
        "posted_at": "2026-11-05T08:00:00Z",
    },
]


def counts(
    links_found: int, fetched: int, new: int, duplicates: int = 0, errors: int = 0
) -> dict[str, int]:
    """A run's expected counts."""
    return {
        "links_found": links_found,
        "fetched": fetched,
        "new": new,
        "duplicates": duplicates,
        "errors": errors,
        "blocked": 0,
    }


async def put_data(
    client: httpx.AsyncClient, headers: dict[str, str], name: str, content: Any
) -> None:
    """Upload a file to the user's file area: bytes as they are, anything else as JSON."""
    data = content if isinstance(content, bytes) else json.dumps(content).encode()
    await put_file(client, headers, name, data)


def file_source(path: str = "jobs.json") -> list[dict[str, str]]:
    """The `sources` of a run reading one file."""
    return [{"type": "file", "path": path}]


async def start(client: httpx.AsyncClient, headers: dict[str, str], **params: Any) -> str:
    """Start a run (asserting 202) and return its id."""
    response = await client.post("/update-database", json=params, headers=headers)
    assert response.status_code == 202, response.text
    run_id: str = response.json()["run_id"]
    return run_id


async def run_to_end(
    client: httpx.AsyncClient, headers: dict[str, str], **params: Any
) -> dict[str, Any]:
    """Start a run and wait for it to finish."""
    return await wait_run(client, headers, await start(client, headers, **params))


async def titles(
    client: httpx.AsyncClient, headers: dict[str, str], keywords: list[str]
) -> set[str]:
    """The titles of the user's postings that rank for `keywords`."""
    response = await client.post(
        "/job-postings", json={"keywords": keywords, "limit": 500}, headers=headers
    )
    assert response.status_code == 200, response.text
    return {item["job_title"] for item in response.json()["job_postings"]}


async def user(client: httpx.AsyncClient, email: str = "runner@example.com") -> dict[str, str]:
    """Register a user and return their auth headers."""
    return bearer(await register(client, email))


async def test_file_run_succeeds_and_postings_rank(
    server: LiveServer, client: httpx.AsyncClient
) -> None:
    headers = await user(client)
    await put_data(client, headers, "jobs.json", {"postings": RUN_POSTINGS})

    response = await client.post(
        "/update-database",
        json={"queries": ["python"], "sources": file_source()},
        headers=headers,
    )
    assert response.status_code == 202, response.text
    accepted = response.json()
    assert accepted["status"] == "queued"
    assert accepted["run_id"]
    assert accepted["params"]["queries"] == ["python"]
    assert accepted["params"]["sources"] == file_source()
    assert accepted["error"] is None
    assert accepted["finished_at"] is None

    run = await wait_run(client, headers, accepted["run_id"])
    assert run["status"] == "succeeded", run
    assert run["counts"] == counts(3, 3, 3)
    assert run["error"] is None
    assert run["started_at"] is not None
    assert run["finished_at"] is not None
    assert run["finished_at"] >= run["started_at"]

    assert await titles(client, headers, ["python"]) == {
        "Python Developer",
        "Senior Python Developer",
        "Python Engineer",
    }
    # Postings the query did not select were not stored.
    assert await titles(client, headers, ["go", "frontend"]) == set()


async def test_every_query_word_must_occur(server: LiveServer, client: httpx.AsyncClient) -> None:
    headers = await user(client)
    await put_data(client, headers, "jobs.json", RUN_POSTINGS)  # a bare list works too
    run = await run_to_end(client, headers, queries=["Python  DEVELOPER"], sources=file_source())
    assert run["status"] == "succeeded", run
    assert run["counts"] == counts(2, 2, 2)
    assert await titles(client, headers, ["python"]) == {
        "Python Developer",
        "Senior Python Developer",
    }
    # Words may come from the description too.
    run = await run_to_end(client, headers, queries=["developer django"], sources=file_source())
    assert run["counts"] == counts(1, 1, 0, duplicates=1)


async def test_query_words_match_whole_words(server: LiveServer, client: httpx.AsyncClient) -> None:
    headers = await user(client)
    await put_data(client, headers, "jobs.json", RUN_POSTINGS)
    # "go" is in "Django" (posting 1) but only the Go Developer has it as a word.
    run = await run_to_end(client, headers, queries=["go"], sources=file_source())
    assert run["counts"] == counts(1, 1, 1)
    assert await titles(client, headers, ["developer"]) == {"Go Developer"}


async def test_locations_filter(server: LiveServer, client: httpx.AsyncClient) -> None:
    headers = await user(client)
    await put_data(client, headers, "jobs.json", {"postings": RUN_POSTINGS})
    run = await run_to_end(
        client, headers, queries=["python"], locations=["POLAND"], sources=file_source()
    )
    assert run["counts"] == counts(2, 2, 2)
    assert await titles(client, headers, ["python"]) == {
        "Python Developer",
        "Senior Python Developer",
    }
    run = await run_to_end(
        client,
        headers,
        queries=["developer"],
        locations=["warsaw", "Berlin", "Lisbon"],
        sources=file_source(),
    )
    # Warsaw: jobs 1 (already stored) and 4; Berlin: job 5; Lisbon: nothing.
    assert run["counts"] == counts(3, 3, 2, duplicates=1)


async def test_max_jobs_per_search_caps_each_search(
    server: LiveServer, client: httpx.AsyncClient
) -> None:
    headers = await user(client)
    await put_data(client, headers, "jobs.json", {"postings": RUN_POSTINGS})
    run = await run_to_end(
        client,
        headers,
        queries=["developer", "react"],
        max_jobs_per_search=2,
        sources=file_source(),
    )
    # developer: the first 2 of 4 (jobs 1, 2); react: job 5.
    assert run["counts"] == counts(3, 3, 3)


async def test_searches_that_overlap_count_duplicates(
    server: LiveServer, client: httpx.AsyncClient
) -> None:
    headers = await user(client)
    await put_data(client, headers, "jobs.json", {"postings": RUN_POSTINGS})
    run = await run_to_end(client, headers, queries=["python", "developer"], sources=file_source())
    # python: 1, 2, 3; developer: 1, 2, 4, 5.
    assert run["counts"] == counts(7, 7, 5, duplicates=2)


async def test_published_after_excludes_older_dated_postings(
    server: LiveServer, client: httpx.AsyncClient
) -> None:
    headers = await user(client)
    await put_data(client, headers, "jobs.json", {"postings": RUN_POSTINGS})
    run = await run_to_end(
        client,
        headers,
        queries=["python"],
        published_after="2026-10-01T00:00:00Z",
        sources=file_source(),
    )
    assert run["status"] == "succeeded", run
    # Job 2 is from September; job 3 has no date and is kept.
    assert run["counts"] == counts(2, 2, 2)
    assert await titles(client, headers, ["python"]) == {"Python Developer", "Python Engineer"}


async def test_published_after_without_a_time_zone(
    server: LiveServer, client: httpx.AsyncClient
) -> None:
    headers = await user(client)
    await put_data(client, headers, "jobs.json", {"postings": RUN_POSTINGS})
    for value in ("2026-10-01", "2026-10-01T00:00:00"):
        run = await run_to_end(
            client, headers, queries=["developer"], published_after=value, sources=file_source()
        )
        assert run["status"] == "succeeded", run
        # Jobs 1, 4 and 5 are newer; job 2 is older.
        assert run["counts"]["links_found"] == 3, value


async def test_invalid_rows_count_as_errors(server: LiveServer, client: httpx.AsyncClient) -> None:
    headers = await user(client)
    rows: list[Any] = [
        *RUN_POSTINGS[:2],
        {"link": "https://careers.example.com/jobs/9"},  # no title
        {**RUN_POSTINGS[2], "link": "not a link"},
        "not an object",
    ]
    await put_data(client, headers, "jobs.json", {"postings": rows})
    run = await run_to_end(client, headers, queries=["python"], sources=file_source())
    assert run["status"] == "succeeded", run
    assert run["counts"] == counts(2, 2, 2, errors=3)


async def test_csv_file_source(server: LiveServer, client: httpx.AsyncClient) -> None:
    headers = await user(client)
    out = io.StringIO()
    writer = csv.DictWriter(
        out, fieldnames=["link", "title", "company", "location", "description", "posted_at"]
    )
    writer.writeheader()
    writer.writerows(RUN_POSTINGS)
    await put_data(client, headers, "jobs.csv", out.getvalue().encode())
    run = await run_to_end(client, headers, queries=["developer"], sources=file_source("jobs.csv"))
    assert run["status"] == "succeeded", run
    assert run["counts"] == counts(4, 4, 4)
    assert "Go Developer" in await titles(client, headers, ["go"])


async def test_sample_file_run(server: LiveServer, client: httpx.AsyncClient) -> None:
    headers = await user(client)
    sample = json.loads((EXAMPLES / "postings.json").read_text(encoding="utf-8"))
    await put_data(client, headers, "sample.json", sample)
    engineers = [
        row
        for row in sample["postings"]
        if re.search(r"\bengineer\b", f"{row['title']}\n{row.get('description') or ''}", re.I)
    ]
    run = await run_to_end(
        client,
        headers,
        queries=["engineer"],
        max_jobs_per_search=1000,
        sources=file_source("sample.json"),
    )
    assert run["status"] == "succeeded", run
    assert run["counts"] == counts(len(engineers), len(engineers), len(engineers))


async def test_rerun_stores_nothing_twice(server: LiveServer, client: httpx.AsyncClient) -> None:
    headers = await user(client)
    await put_data(client, headers, "jobs.json", {"postings": RUN_POSTINGS})
    params = {"queries": ["python", "microservices"], "sources": file_source()}
    first = await run_to_end(client, headers, **params)
    assert first["counts"] == counts(4, 4, 4)
    second = await run_to_end(client, headers, **params)
    assert second["status"] == "succeeded"
    assert second["counts"] == counts(4, 4, 0, duplicates=4)
    me = await server.services.users.by_email("runner@example.com")
    assert me is not None
    assert await server.services.postings.count_for_user(me.id) == 4


async def test_two_users_running_the_same_file(
    server: LiveServer, client: httpx.AsyncClient
) -> None:
    alice = await user(client, "alice@example.com")
    bob = await user(client, "bob@example.com")
    for headers in (alice, bob):
        await put_data(client, headers, "jobs.json", {"postings": RUN_POSTINGS})
        run = await run_to_end(client, headers, queries=["python"], sources=file_source())
        assert run["counts"] == counts(3, 3, 3)
    assert await titles(client, bob, ["python"]) == await titles(client, alice, ["python"])


async def test_malformed_file_fails_the_run(server: LiveServer, client: httpx.AsyncClient) -> None:
    headers = await user(client)
    await put_data(client, headers, "broken.json", b'{"postings": [')
    run = await run_to_end(client, headers, queries=["python"], sources=file_source("broken.json"))
    assert run["status"] == "failed"
    assert "JSON" in run["error"]
    assert run["finished_at"] is not None


async def test_bad_sources_are_refused_up_front(
    server: LiveServer, client: httpx.AsyncClient, tmp_path: Path
) -> None:
    headers = await user(client)
    data_dir = server.services.settings.data_dir.resolve()
    outside = tmp_path / "outside.json"
    outside.write_text(json.dumps(RUN_POSTINGS), encoding="utf-8")
    # A file straight in DATA_DIR, as `file` sources used to read, is no one's file.
    (data_dir / "shared.json").write_text(json.dumps(RUN_POSTINGS), encoding="utf-8")

    async def refused(path: str, status: int) -> Any:
        response = await client.post(
            "/update-database",
            json={"queries": ["python"], "sources": file_source(path)},
            headers=headers,
        )
        assert response.status_code == status, (path, response.text)
        assert str(data_dir) not in response.text
        return response.json()["detail"]

    for path in ("../outside.json", str(outside), "sub/../../outside.json", ".hidden.json"):
        await refused(path, 422)
    assert await refused("notes.txt", 422)
    assert await refused("missing.json", 400) == "file missing.json not found"
    assert await refused("shared.json", 400) == "file shared.json not found"
    # Nothing was recorded for the refused requests.
    assert (await client.get("/runs", headers=headers)).json() == []


async def test_bad_run_requests(client: httpx.AsyncClient) -> None:
    headers = await user(client)
    cases: list[dict[str, Any]] = [
        {"queries": ["python"], "sources": [{"type": "linkedin", "path": "x.json"}]},
        {"queries": ["python"], "sources": [{"type": "file"}]},
        {"queries": ["python"], "sources": [{"type": "file", "path": "x.json", "x": 1}]},
        {"queries": ["python"], "sources": []},
        {"queries": [], "sources": file_source()},
        {"queries": ["   "], "sources": file_source()},
        {"sources": file_source()},
        {"queries": ["python"], "sources": file_source(), "max_jobs_per_search": 0},
        {"queries": ["python"], "sources": file_source(), "published_after": "last week"},
        {"queries": ["python"], "sources": file_source(), "unknown": True},
    ]
    for case in cases:
        response = await client.post("/update-database", json=case, headers=headers)
        assert response.status_code == 422, case

    # Without sources (and none saved) a run searches LinkedIn, like the prototype did.
    default = await client.post("/update-database", json={"queries": ["python"]}, headers=headers)
    assert default.status_code == 202
    assert default.json()["params"]["sources"] == [{"type": "linkedin"}]

    anonymous = await client.post(
        "/update-database", json={"queries": ["python"], "sources": file_source()}
    )
    assert anonymous.status_code == 401


async def test_runs_are_listed_newest_first(server: LiveServer, client: httpx.AsyncClient) -> None:
    headers = await user(client)
    await put_data(client, headers, "jobs.json", {"postings": RUN_POSTINGS})
    assert (await client.get("/runs", headers=headers)).json() == []
    ids = []
    for query in ("python", "go", "react"):
        run = await run_to_end(client, headers, queries=[query], sources=file_source())
        ids.append(run["run_id"])
    listed = (await client.get("/runs", headers=headers)).json()
    assert [run["run_id"] for run in listed] == ids[::-1]
    assert [run["params"]["queries"] for run in listed] == [["react"], ["go"], ["python"]]
    assert all(run["status"] == "succeeded" for run in listed)
    assert all(set(run["counts"]) == COUNT_NAMES for run in listed)


async def test_runs_are_private(server: LiveServer, client: httpx.AsyncClient) -> None:
    alice = await user(client, "alice@example.com")
    bob = await user(client, "bob@example.com")
    await put_data(client, alice, "jobs.json", {"postings": RUN_POSTINGS})
    run = await run_to_end(client, alice, queries=["python"], sources=file_source())
    run_id = run["run_id"]

    assert (await client.get(f"/runs/{run_id}", headers=bob)).status_code == 404
    assert (await client.post(f"/runs/{run_id}/cancel", headers=bob)).status_code == 404
    assert (await client.get("/runs", headers=bob)).json() == []
    assert (await client.get(f"/runs/{run_id}", headers=alice)).status_code == 200
    assert (await client.get("/runs/no-such-run", headers=alice)).status_code == 404
    assert (await client.post("/runs/no-such-run/cancel", headers=alice)).status_code == 404
    assert (await client.get(f"/runs/{run_id}")).status_code == 401


async def test_cancelling_a_finished_run_is_409(
    server: LiveServer, client: httpx.AsyncClient
) -> None:
    headers = await user(client)
    await put_data(client, headers, "jobs.json", {"postings": RUN_POSTINGS})
    run = await run_to_end(client, headers, queries=["python"], sources=file_source())
    response = await client.post(f"/runs/{run['run_id']}/cancel", headers=headers)
    assert response.status_code == 409
    assert "succeeded" in response.json()["detail"]
    assert (await client.get(f"/runs/{run['run_id']}", headers=headers)).json()[
        "status"
    ] == "succeeded"


SLOW_QUERIES = [
    "engineer",
    "developer",
    "senior",
    "python",
    "java",
    "team",
    "experience",
    "software",
    "data",
    "cloud",
]
SLOW_LOCATIONS = ["", "poland", "germany", "united kingdom", "netherlands"]


async def test_cancel_running_and_queued_runs(make_server: Any) -> None:
    server: LiveServer = await make_server(run_concurrency=1, **BIG_FILE_LIMITS)
    big = await asyncio.to_thread(generate_postings, 20000)
    async with server.client() as client:
        headers = await user(client)
        await put_data(client, headers, "big.json", {"postings": big})
        await put_data(client, headers, "jobs.json", {"postings": RUN_POSTINGS})
        slow = await start(
            client,
            headers,
            queries=SLOW_QUERIES,
            locations=SLOW_LOCATIONS,
            max_jobs_per_search=1000,
            sources=file_source("big.json"),
        )
        # The only slot is taken, so a second run waits.
        waiting = await start(client, headers, queries=["python"], sources=file_source())
        running = await wait_run(client, headers, slow, until=frozenset({"running", *FINAL_STATES}))
        assert running["status"] == "running"
        assert (await client.get(f"/runs/{waiting}", headers=headers)).json()["status"] == "queued"

        cancelled_waiting = await client.post(f"/runs/{waiting}/cancel", headers=headers)
        assert cancelled_waiting.status_code == 200
        assert cancelled_waiting.json()["status"] == "cancelled"

        # Let the slow run store something first, so it is cancelled mid-way.
        await wait_run_progress(client, headers, slow)
        asked = time.monotonic()
        response = await client.post(f"/runs/{slow}/cancel", headers=headers)
        assert response.status_code == 200
        run = await wait_run(client, headers, slow, within=2)
        assert time.monotonic() - asked < 2
        assert run["status"] == "cancelled"
        assert response.json()["status"] == "cancelled"
        assert run["finished_at"] is not None
        # What it stored before the cancel stays, and the counts say so.
        me = await server.services.users.by_email("runner@example.com")
        assert me is not None
        stored = await server.services.postings.count_for_user(me.id)
        assert 0 < run["counts"]["new"] <= stored < len(big)

        # The waiting run never ran; cancelling again is a conflict.
        waited = (await client.get(f"/runs/{waiting}", headers=headers)).json()
        assert waited["status"] == "cancelled"
        assert waited["started_at"] is None
        assert (await client.post(f"/runs/{slow}/cancel", headers=headers)).status_code == 409


async def wait_run_progress(
    client: httpx.AsyncClient, headers: dict[str, str], run_id: str, within: float = 30
) -> None:
    """Wait until the running run has saved some counts."""
    deadline = time.monotonic() + within
    while True:
        run = (await client.get(f"/runs/{run_id}", headers=headers)).json()
        assert run["status"] == "running", run
        if run["counts"].get("new", 0) > 0:
            return
        assert time.monotonic() < deadline, "the run saved no progress"
        await asyncio.sleep(0.05)


async def test_unfinished_runs_are_interrupted_after_a_restart(make_server: Any) -> None:
    first: LiveServer = await make_server()
    email = "restart@example.com"
    async with first.client() as client:
        await register(client, email)
    account = await first.services.users.by_email(email)
    assert account is not None
    await first.services.runs.create("a" * 32, account.id, {"queries": ["python"]})
    await first.services.runs.mark_running("a" * 32)
    await first.services.runs.create("b" * 32, account.id, {"queries": ["go"]})
    await first.stop()

    second: LiveServer = await make_server()
    async with second.client() as client:
        headers = bearer(await login(client, email))
        for run_id in ("a" * 32, "b" * 32):
            run = (await client.get(f"/runs/{run_id}", headers=headers)).json()
            assert run["status"] == "interrupted", run
            assert run["finished_at"] is not None
            response = await client.post(f"/runs/{run_id}/cancel", headers=headers)
            assert response.status_code == 409


async def test_running_runs_are_interrupted_when_the_server_stops(make_server: Any) -> None:
    first: LiveServer = await make_server(**BIG_FILE_LIMITS)
    big = await asyncio.to_thread(generate_postings, 20000)
    email = "stopper@example.com"
    async with first.client() as client:
        headers = bearer(await register(client, email))
        await put_data(client, headers, "big.json", {"postings": big})
        run_id = await start(
            client,
            headers,
            queries=SLOW_QUERIES,
            locations=SLOW_LOCATIONS,
            max_jobs_per_search=1000,
            sources=file_source("big.json"),
        )
        await wait_run(client, headers, run_id, until={"running"})
    await first.stop()

    second: LiveServer = await make_server()
    async with second.client() as client:
        headers = bearer(await login(client, email))
        run = (await client.get(f"/runs/{run_id}", headers=headers)).json()
        assert run["status"] == "interrupted", run


async def test_too_many_runs_in_progress_are_refused(make_server: Any) -> None:
    server: LiveServer = await make_server(
        run_concurrency=1, runs_max_active_per_user=2, **BIG_FILE_LIMITS
    )
    big = await asyncio.to_thread(generate_postings, 20000)
    async with server.client() as client:
        headers = await user(client)
        await put_data(client, headers, "big.json", {"postings": big})
        await put_data(client, headers, "jobs.json", {"postings": RUN_POSTINGS})
        slow = await start(
            client,
            headers,
            queries=SLOW_QUERIES,
            locations=SLOW_LOCATIONS,
            max_jobs_per_search=1000,
            sources=file_source("big.json"),
        )
        await start(client, headers, queries=["python"], sources=file_source())
        refused = await client.post(
            "/update-database",
            json={"queries": ["python"], "sources": file_source()},
            headers=headers,
        )
        assert refused.status_code == 429
        assert "2 runs in progress" in refused.json()["detail"]
        # Someone else is not limited by this user's runs.
        other = await user(client, "other@example.com")
        await put_data(client, other, "jobs.json", {"postings": RUN_POSTINGS})
        await start(client, other, queries=["python"], sources=file_source())

        assert (await client.post(f"/runs/{slow}/cancel", headers=headers)).status_code == 200
        await start(client, headers, queries=["python"], sources=file_source())
