"""One workspace per user per process: shared by the user's sessions, isolated between
users, dropped with the last session, measured for the admin monitor, evicted under
`WORKSPACE_MEMORY_MB` and made again from the stored snapshot, and right across processes."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any, cast

import httpx
import pytest
from conftest import ServerFactory
from ranking_support import import_rows, posting, rank_page, titles
from services_available import REDIS_URL
from support import LiveServer, ManualClock, bearer, login, register, register_admin, user_id_of

from dreamjobsearch.search.cache import RankingCache
from dreamjobsearch.search.index import RankingIndex
from dreamjobsearch.sessions.memory_usage import deep_size
from dreamjobsearch.storage.ranking_snapshots import RankingSnapshotRepository
from dreamjobsearch.workspace import Workspace, WorkspaceServices
from dreamjobsearch.workspace_pool import WorkspacePool

ADMIN = "admin@example.com"


async def workspace_of(server: LiveServer, token: str) -> Workspace:
    """The workspace a request with this token is given."""
    _claims, active = await server.services.auth.authenticate(token)
    return active.workspace


def held(server: LiveServer) -> dict[str, int]:
    """The users whose workspace the server holds, with how many of their sessions use it."""
    return {row.email: row.sessions for row in server.services.workspaces.usage().workspaces}


async def admin_report(client: httpx.AsyncClient, token: str) -> dict[str, Any]:
    """GET /admin/sessions."""
    response = await client.get("/admin/sessions", headers=bearer(token))
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def grow(rankings: RankingCache, user_id: int, nbytes: int) -> None:
    """Give the user an index of `nbytes` and report the ranking that built it."""
    rankings.hold(user_id).index = cast(RankingIndex, SimpleNamespace(nbytes=nbytes))
    rankings.settled(user_id)


def test_the_least_recently_used_go_first_and_never_the_one_in_use() -> None:
    rankings = RankingCache()
    pool = WorkspacePool(cast(WorkspaceServices, SimpleNamespace(rankings=rankings)), 10_000)
    for user_id in (1, 2, 3):
        pool.acquire(user_id, f"u{user_id}@example.com", f"sid-{user_id}")
    pool.acquire(1, "u1@example.com", "sid-1")  # used again: 2 is now the least recent

    grow(rankings, 3, 4_000)
    grow(rankings, 1, 5_000)  # over budget: 2 goes, which is enough
    usage = pool.usage()
    assert [row.user_id for row in usage.workspaces] == [1, 3]  # largest first
    assert usage.memory_bytes == sum(row.memory_bytes for row in usage.workspaces)
    assert 9_000 < usage.memory_bytes <= usage.budget_bytes == 10_000
    assert rankings.held(2) is None

    grow(rankings, 3, 20_000)  # larger than the budget: kept while in use, alone
    assert [row.user_id for row in pool.usage().workspaces] == [3]
    assert rankings.held(1) is None
    assert rankings.held(3) is not None
    # A session of an evicted user gets a new, empty workspace, now the one in use: the
    # large one, least recently used, goes. The session's end drops the new one.
    again = pool.acquire(1, "u1@example.com", "sid-1")
    assert again.ranking.index is None
    assert [row.user_id for row in pool.usage().workspaces] == [1]
    pool.end_session("sid-1")
    assert pool.usage().workspaces == []
    assert pool.usage().memory_bytes == 0


async def test_sessions_of_one_user_share_a_workspace_and_users_are_kept_apart(
    server: LiveServer,
) -> None:
    async with server.client() as client:
        first = await register(client, "ada@example.com")
        second = await login(client, "ada@example.com")
        other = await register(client, "bob@example.com")
        assert await workspace_of(server, first) is await workspace_of(server, second)
        assert await workspace_of(server, other) is not await workspace_of(server, first)
        assert held(server) == {"ada@example.com": 2, "bob@example.com": 1}

        await import_rows(client, bearer(first), [posting("Python developer", "Python")])
        await import_rows(client, bearer(other), [posting("Rust engineer", "Rust, Python")])
        # What one user's workspace holds never answers for the other.
        assert await titles(client, bearer(second), ["python"]) == ["Python developer"]
        assert await titles(client, bearer(other), ["python"]) == ["Rust engineer"]
        saved = await client.put("/me/keywords", json={"keywords": ["go"]}, headers=bearer(first))
        assert saved.status_code == 200
        mine = await client.get("/me/keywords", headers=bearer(second))
        theirs = await client.get("/me/keywords", headers=bearer(other))
        assert mine.json() == {"keywords": ["go"], "location": None}
        assert theirs.json() == {"keywords": [], "location": None}


async def test_the_workspace_goes_with_the_users_last_logout(server: LiveServer) -> None:
    async with server.client() as client:
        first = await register(client, "ada@example.com")
        second = await login(client, "ada@example.com")
        await import_rows(client, bearer(first), [posting("Python developer", "Python")])
        before = await workspace_of(server, first)
        assert await titles(client, bearer(first), ["python"]) == ["Python developer"]
        assert before.ranking.index is not None  # the index lives in the workspace

        assert (await client.post("/logout", headers=bearer(first))).status_code == 200
        assert held(server) == {"ada@example.com": 1}  # the other session still uses it
        assert await workspace_of(server, second) is before
        assert (await client.post("/logout", headers=bearer(second))).status_code == 200
        assert held(server) == {}
        user_id = await user_id_of(server, "ada@example.com")
        assert server.services.workspace_services.rankings.held(user_id) is None

        again = await login(client, "ada@example.com")
        assert await workspace_of(server, again) is not before
        assert await titles(client, bearer(again), ["python"]) == ["Python developer"]


async def test_saved_lists_and_postings_changed_on_one_process_show_on_the_other(
    make_server: ServerFactory,
) -> None:
    # Two processes on one database, as behind a load balancer.
    here = await make_server(session_store="database")
    there = await make_server(session_store="database")
    rows = [
        posting("Python developer", "Python", company="Acme"),
        posting("Python engineer", "Python", company="Globex"),
    ]
    async with here.client() as a, there.client() as b:
        token = await register(a, "ada@example.com")
        headers = bearer(token)
        await import_rows(a, headers, rows)
        # Each process now holds the user's index and lists.
        ranked = await titles(a, headers, ["python"])
        assert sorted(ranked) == ["Python developer", "Python engineer"]
        assert await titles(b, headers, ["python"]) == ranked
        assert (await b.get("/me/keywords", headers=headers)).json() == {
            "keywords": [],
            "location": None,
        }

        saved = await a.put("/me/keywords", json={"keywords": ["python"]}, headers=headers)
        assert saved.status_code == 200
        assert (await b.get("/me/keywords", headers=headers)).json() == {
            "keywords": ["python"],
            "location": None,
        }

        blocked = await a.post("/me/blocked-companies", json={"company": "Acme"}, headers=headers)
        assert blocked.status_code == 201, blocked.text
        assert await titles(b, headers, ["python"]) == ["Python engineer"]
        listed = await b.get("/me/blocked-companies", headers=headers)
        assert listed.json() == {"companies": ["Acme"]}
        board = await b.get("/job-postings/board", headers=headers)
        cards = [card for column in board.json()["columns"] for card in column["items"]]
        assert [card["job_company"] for card in cards] == ["Globex"]

        await import_rows(a, headers, [posting("Python lead", "Python", company="Initech")])
        assert sorted(await titles(b, headers, ["python"])) == ["Python engineer", "Python lead"]
        assert held(here) == held(there) == {"ada@example.com": 1}


async def eventually(condition: Callable[[], bool], within: float = 2.0) -> None:
    """Wait until `condition` holds (a broadcast from another process takes a moment)."""
    deadline = time.monotonic() + within
    while not condition():
        assert time.monotonic() < deadline, "not within the time allowed"
        await asyncio.sleep(0.005)


async def two_processes(
    make_server: ServerFactory, store: str, postgres_url: str, prefix: str
) -> tuple[LiveServer, LiveServer]:
    """Two servers on one PostgreSQL database (and Redis for the redis store and the lazy
    denylist), as behind a load balancer."""
    shared: dict[str, Any] = {"session_store": store, "database_url": postgres_url}
    if store != "database":
        shared |= {"redis_url": REDIS_URL, "redis_prefix": prefix}
    return await make_server(**shared), await make_server(**shared)


@pytest.mark.services
@pytest.mark.parametrize("store", ["database", "redis", "lazy"])
async def test_a_workspace_goes_when_its_users_last_session_ends_on_another_process(
    make_server: ServerFactory, postgres_url: str, prefix: str, store: str
) -> None:
    # The endings reach `here` only through the cache's broadcast.
    here, there = await two_processes(make_server, store, postgres_url, prefix)
    async with here.client() as a, there.client() as b:
        first = await register(a, "ada@example.com")
        second = await login(a, "ada@example.com")
        other = await register(a, "bob@example.com")
        for token in (first, second, other):
            assert (await b.get("/me/keywords", headers=bearer(token))).status_code == 200
        assert held(here) == held(there) == {"ada@example.com": 2, "bob@example.com": 1}

        assert (await b.post("/logout", headers=bearer(first))).status_code == 200
        await eventually(lambda: held(here) == {"ada@example.com": 1, "bob@example.com": 1})
        assert (await b.post("/logout", headers=bearer(second))).status_code == 200
        # Ada's last session ended on the other process: her workspace here goes, Bob's stays.
        await eventually(lambda: held(here) == {"bob@example.com": 1})
        ada = await user_id_of(here, "ada@example.com")
        assert here.services.workspace_services.rankings.held(ada) is None
        assert held(there) == {"bob@example.com": 1}


@pytest.mark.services
@pytest.mark.parametrize("store", ["database", "redis", "lazy"])
async def test_a_workspace_goes_when_its_users_session_expires_and_another_process_sweeps(
    make_server: ServerFactory, postgres_url: str, prefix: str, store: str, clock: ManualClock
) -> None:
    # Only the other process sweeps (the first sweep removes the expired sessions, so a
    # later one here would find none): the expiry reaches this one through the broadcast.
    here, there = await two_processes(make_server, store, postgres_url, prefix)
    async with here.client() as a:
        token = await register(a, "ada@example.com")
        assert (await a.get("/me/keywords", headers=bearer(token))).status_code == 200
        assert held(here) == {"ada@example.com": 1}

        clock.advance(here.services.settings.session_absolute_timeout + 1)
        assert await there.services.sessions.sweep() == 1
        await eventually(lambda: held(here) == {})


def many_postings(count: int) -> list[dict[str, Any]]:
    """`count` postings, one in seven about Python, at a few companies and places."""
    return [
        posting(
            f"Engineer {number}",
            "Python and SQL" if number % 7 == 0 else "Go and Kubernetes",
            company=f"Company {number % 50}",
            location=f"City {number % 30}",
            posted_at=f"2026-{1 + number % 12:02d}-{1 + number % 28:02d}T09:00:00Z",
        )
        for number in range(count)
    ]


@pytest.mark.slow
async def test_a_large_workspace_is_measured_evicted_and_made_again_from_its_snapshot(
    make_server: ServerFactory,
) -> None:
    # A budget smaller than the large workspace: it is kept only while in use.
    server = await make_server(workspace_memory_mb=0.3)
    async with server.client() as client:
        # The admin is the heavy user, so that reading the report uses their workspace.
        admin = await register_admin(server, client, ADMIN)
        heavy = bearer(admin)
        for start in range(0, 20_000, 5_000):
            await import_rows(client, heavy, many_postings(20_000)[start : start + 5_000])
        first = await rank_page(client, heavy, ["python", "sql"], location="city 1", limit=50)
        assert first["total"] > 0

        report = await admin_report(client, admin)
        by_email = {row["email"]: row for row in report["workspaces"]}
        measured = by_email[ADMIN]["memory_bytes"]
        print(f"workspace of 20,000 ranked postings: {measured:,} bytes")
        assert measured > 500_000  # the index and its sets, not the 820 bytes of before
        # The index's own count agrees with walking every object it holds.
        user_id = await user_id_of(server, ADMIN)
        index = server.services.workspace_services.rankings.held(user_id)
        assert index is not None
        walked = deep_size([index])
        print(f"its index: {index.nbytes:,} bytes counted, {walked:,} walked")
        assert 0.8 * walked <= index.nbytes <= walked
        assert report["workspace_memory_bytes"] >= measured
        assert report["workspace_budget_bytes"] == int(0.3 * 2**20)
        # A session's own figure leaves the workspace out.
        assert all(row["memory_bytes"] < 4096 for row in report["sessions"])

        # The index was stored for other processes; another user's ranking evicts it here.
        stored = await RankingSnapshotRepository(server.services.db).load(user_id, [])
        assert stored is not None
        light = bearer(await register(client, "light@example.com"))
        await import_rows(client, light, [posting("Python developer", "Python")])
        assert await titles(client, light, ["python"]) == ["Python developer"]
        assert ADMIN not in held(server)
        assert server.services.workspace_services.rankings.held(user_id) is None

        # The next request makes the workspace again, its index from the snapshot.
        again = await rank_page(client, heavy, ["python", "sql"], location="city 1", limit=50)
        assert again == first
        assert ADMIN in held(server)
        index = server.services.workspace_services.rankings.held(user_id)
        assert index is not None
        assert index.fingerprint == stored.fingerprint
