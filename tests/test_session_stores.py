"""One behavioural suite for every session store: memory, database (SQLite and PostgreSQL), Redis.

The HTTP tests start a live server on the store under test (`store_settings`) and go through
the whole product path. The unit tests at the end check the persistent stores directly
against the `SessionStore` protocol, and Redis's key TTLs and indexes.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from conftest import ServerFactory
from redis.asyncio import Redis
from services_available import REDIS_URL, fresh_postgres_database, fresh_redis_prefix
from support import LiveServer, ManualClock, bearer, login, register, register_admin, sid_of

from dreamjobsearch.sessions.stores.base import SessionRecord, SessionStore
from dreamjobsearch.sessions.stores.database import DatabaseSessionStore
from dreamjobsearch.sessions.stores.redis import RedisSessionStore
from dreamjobsearch.storage.db import create_engine, database
from dreamjobsearch.storage.migrate import upgrade
from dreamjobsearch.storage.users import UserRepository

ADMIN = "admin@example.com"
# The stores kept in the real PostgreSQL or Redis are marked `services`.
STORES = [
    "memory",
    "sqlite",
    pytest.param("postgresql", marks=pytest.mark.services),
    pytest.param("redis", marks=pytest.mark.services),
    "lazy",
    pytest.param("lazy-redis", marks=pytest.mark.services),
]
PERSISTENT_STORES = [
    "sqlite",
    pytest.param("postgresql", marks=pytest.mark.services),
    pytest.param("redis", marks=pytest.mark.services),
]

redis_prefix = asynccontextmanager(fresh_redis_prefix)


@pytest.fixture(params=STORES)
async def store_settings(request: pytest.FixtureRequest) -> AsyncIterator[dict[str, Any]]:
    """Setting overrides that choose the store under test (each on fresh storage)."""
    kind: str = request.param
    if kind == "memory":
        yield {"session_store": "memory"}
    elif kind == "sqlite":
        yield {"session_store": "database"}  # the default database, in the test's DATA_DIR
    elif kind == "postgresql":
        with fresh_postgres_database() as url:
            yield {"session_store": "database", "database_url": url}
    elif kind == "lazy":
        yield {"session_store": "lazy"}  # ledger and denylist in the test's SQLite database
    else:
        store = "redis" if kind == "redis" else "lazy"
        async with redis_prefix() as prefix:
            yield {"session_store": store, "redis_url": REDIS_URL, "redis_prefix": prefix}


@pytest.fixture
def lazy(store_settings: dict[str, Any]) -> bool:
    """Whether the store under test is `lazy`: no record of each use, so no idle timeout,
    and session times come from the token (whole seconds)."""
    return bool(store_settings["session_store"] == "lazy")


@pytest.fixture
def serve(store_settings: dict[str, Any], make_server: ServerFactory) -> ServerFactory:
    """Start a live server on the store under test; uses are recorded at most every 1 s.

    Depends on `store_settings` first, so its storage outlives the servers.
    """

    async def serve(**overrides: Any) -> LiveServer:
        return await make_server(**{**store_settings, "session_touch_interval": 1, **overrides})

    return serve


# --- helpers ---------------------------------------------------------------------------


def when(value: str) -> float:
    """Epoch seconds of an ISO timestamp from the API."""
    return datetime.fromisoformat(value).timestamp()


async def status(client: httpx.AsyncClient, token: str) -> httpx.Response:
    """GET /auth/status (records a use of the token's session)."""
    return await client.get("/auth/status", headers=bearer(token))


async def works(client: httpx.AsyncClient, token: str) -> bool:
    """Whether the token's session still answers (200) rather than 401."""
    response = await status(client, token)
    assert response.status_code in (200, 401), response.text
    return response.status_code == 200


async def own_sessions(client: httpx.AsyncClient, token: str) -> list[dict[str, Any]]:
    """GET /sessions for the token's user."""
    response = await client.get("/sessions", headers=bearer(token))
    assert response.status_code == 200, response.text
    rows: list[dict[str, Any]] = response.json()
    return rows


async def admin_view(client: httpx.AsyncClient, token: str) -> dict[str, Any]:
    """GET /admin/sessions."""
    response = await client.get("/admin/sessions", headers=bearer(token))
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


# --- open and resolve ------------------------------------------------------------------


async def test_every_login_opens_a_new_session(serve: ServerFactory) -> None:
    server = await serve()
    async with server.client() as client:
        tokens = [await register(client, "multi@example.com")]
        tokens += [await login(client, "multi@example.com") for _ in range(2)]
        sids = [await sid_of(client, token) for token in tokens]
        assert len(set(sids)) == 3
        # Every session serves the same account's data: what one saves, all read.
        saved = await client.put(
            "/me/keywords", json={"keywords": ["python"]}, headers=bearer(tokens[-1])
        )
        assert saved.status_code == 200, saved.text
        for token in tokens:
            body = (await status(client, token)).json()
            assert body["email"] == "multi@example.com"
            keywords = await client.get("/me/keywords", headers=bearer(token))
            assert keywords.json() == {"keywords": ["python"], "location": None}
        assert {row["sid"] for row in await own_sessions(client, tokens[0])} == set(sids)


async def test_a_token_resolves_to_its_session_with_its_times(
    serve: ServerFactory, clock: ManualClock, lazy: bool
) -> None:
    precision = 1 if lazy else 1e-3
    server = await serve(session_absolute_timeout=1000)
    async with server.client() as client:
        opened_at = clock.now()
        token = await register(client, "resolve@example.com")
        response = await status(client, token)
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["email"] == "resolve@example.com"
        assert body["is_admin"] is False
        session = body["session"]
        assert when(session["created_at"]) == pytest.approx(opened_at, abs=precision)
        assert when(session["last_accessed"]) == pytest.approx(opened_at, abs=precision)
        assert when(session["expires_at"]) == pytest.approx(opened_at + 1000, abs=precision)

        assert (await status(client, token + "x")).status_code == 401
        assert (await client.get("/auth/status")).status_code == 401


async def test_a_use_moves_last_accessed_with_the_clock(
    serve: ServerFactory, clock: ManualClock, lazy: bool
) -> None:
    server = await serve()
    async with server.client() as client:
        opened_at = clock.now()
        token = await register(client, "touch@example.com")
        clock.advance(2)  # past the 1 s touch throttle
        session = (await status(client, token)).json()["session"]
        precision = 1 if lazy else 1e-3
        assert when(session["created_at"]) == pytest.approx(opened_at, abs=precision)
        assert when(session["last_accessed"]) == pytest.approx(opened_at + 2, abs=1e-3)

        clock.advance(3)
        # The listing reads the stored record, after this request recorded its use (`lazy`
        # records no use: its ledger says when the session was opened).
        [row] = await own_sessions(client, token)
        assert row["sid"] == session["sid"]
        last_use = opened_at if lazy else opened_at + 5
        assert when(row["last_accessed"]) == pytest.approx(last_use, abs=1e-3)
        assert when(row["created_at"]) == pytest.approx(opened_at, abs=1e-3)
        assert when(row["expires_at"]) == pytest.approx(when(session["expires_at"]), abs=1)


# --- expiry ----------------------------------------------------------------------------


async def test_idle_timeout_slides_with_use_and_then_ends_the_session(
    serve: ServerFactory, clock: ManualClock, lazy: bool
) -> None:
    server = await serve(session_idle_timeout=60, jwt_ttl=300)
    async with server.client() as client:
        token = await register(client, "idle@example.com")
        if lazy:
            # No use is recorded, so idleness ends nothing: the token's expiry does.
            clock.advance(299)
            assert await works(client, token)
            clock.advance(1)
            assert not await works(client, token)
            return
        clock.advance(59)
        assert await works(client, token)
        clock.advance(59)
        assert await works(client, token)  # 118 s after login, but used 59 s ago
        clock.advance(61)
        response = await status(client, token)
        assert response.status_code == 401
        assert response.headers["www-authenticate"] == "Bearer"
        # The request itself ended it: nothing was left for a sweep.
        assert await server.services.sessions.sweep() == 0
        assert await works(client, await login(client, "idle@example.com"))


async def test_absolute_timeout_ends_a_session_in_use(
    serve: ServerFactory, clock: ManualClock
) -> None:
    server = await serve(session_absolute_timeout=120, session_idle_timeout=100)
    async with server.client() as client:
        first = await register(client, "busy@example.com")
        clock.advance(60)
        assert await works(client, first)
        second = await login(client, "busy@example.com")
        second_sid = await sid_of(client, second)
        clock.advance(40)
        assert await works(client, first)
        assert await works(client, second)
        clock.advance(21)  # 121 s after the first login, 21 s after its last use
        assert not await works(client, first)
        assert await works(client, second)
        assert [row["sid"] for row in await own_sessions(client, second)] == [second_sid]


# --- limits ----------------------------------------------------------------------------


async def test_per_user_limit_evicts_the_oldest_session(
    serve: ServerFactory, clock: ManualClock
) -> None:
    server = await serve(session_max_per_user=2)
    async with server.client() as client:
        first = await register(client, "limited@example.com")
        clock.advance(2)
        second = await login(client, "limited@example.com")
        clock.advance(2)
        assert await works(client, first)  # recently used, but still the oldest
        third = await login(client, "limited@example.com")
        assert not await works(client, first)
        assert await works(client, second)
        assert await works(client, third)
        assert len(await own_sessions(client, third)) == 2


async def test_per_user_limit_can_refuse_the_login(serve: ServerFactory) -> None:
    server = await serve(session_max_per_user=2, session_limit_policy="refuse")
    async with server.client() as client:
        first = await register(client, "strict@example.com")
        second = await login(client, "strict@example.com")
        refused = await client.post(
            "/login", json={"email": "strict@example.com", "password": "correct horse battery"}
        )
        assert refused.status_code == 429
        detail = refused.json()["detail"]
        assert "2 sessions" in detail
        assert "log out" in detail
        assert await works(client, first)
        assert await works(client, second)
        assert (await client.post("/logout", headers=bearer(first))).status_code == 200
        assert await works(client, await login(client, "strict@example.com"))


async def test_total_limit_refuses_a_login_rather_than_end_another_users_session(
    serve: ServerFactory, clock: ManualClock
) -> None:
    """`evict_oldest` (the default) at `SESSION_MAX_TOTAL`: 503 with Retry-After for the new
    login, and every other user stays logged in; the per-user cap still ends the user's own
    oldest session."""
    server = await serve(session_max_total=3, session_max_per_user=1, session_sweep_interval=30)
    async with server.client() as client:
        a = await register(client, "a@example.com")
        clock.advance(2)
        b = await register(client, "b@example.com")
        clock.advance(2)
        c = await register(client, "c@example.com")
        clock.advance(2)
        refused = await client.post(
            "/register", json={"email": "d@example.com", "password": "correct horse battery"}
        )
        assert refused.status_code == 503
        assert refused.headers["Retry-After"] == "30"
        assert "limit of open sessions" in refused.json()["detail"]
        assert await server.services.users.by_email("d@example.com") is None
        for token in (a, b, c):
            assert await works(client, token)
        # a logs in again: their own session makes room, nobody else's.
        again = await login(client, "a@example.com")
        assert await works(client, again)
        assert not await works(client, a)
        assert await works(client, b)
        assert await works(client, c)


async def test_total_limit_can_refuse_the_login(serve: ServerFactory) -> None:
    server = await serve(session_max_total=3, session_limit_policy="refuse")
    async with server.client() as client:
        tokens = [await register(client, f"u{n}@example.com") for n in range(3)]
        refused = await client.post(
            "/login", json={"email": "u0@example.com", "password": "correct horse battery"}
        )
        assert refused.status_code == 503
        assert "Retry-After" in refused.headers
        assert "limit of open sessions" in refused.json()["detail"]
        late = await client.post(
            "/register", json={"email": "late@example.com", "password": "correct horse battery"}
        )
        assert late.status_code == 503
        for token in tokens:
            assert await works(client, token)


# --- ending sessions -------------------------------------------------------------------


async def test_logout_revokes_that_session_only(serve: ServerFactory) -> None:
    server = await serve()
    async with server.client() as client:
        leaving = await register(client, "out@example.com")
        staying = await login(client, "out@example.com")
        staying_sid = await sid_of(client, staying)
        response = await client.post("/logout", headers=bearer(leaving))
        assert response.status_code == 200
        assert response.json() == {"detail": "logged out"}
        assert not await works(client, leaving)
        assert (await client.post("/logout", headers=bearer(leaving))).status_code == 401
        assert await works(client, staying)
        assert [row["sid"] for row in await own_sessions(client, staying)] == [staying_sid]


async def test_admin_ends_any_session(serve: ServerFactory) -> None:
    server = await serve()
    async with server.client() as client:
        admin = await register_admin(server, client, ADMIN)
        target = await register(client, "target@example.com")
        sid = await sid_of(client, target)
        assert (
            await client.delete(f"/admin/sessions/{sid}", headers=bearer(target))
        ).status_code == 403

        response = await client.delete(f"/admin/sessions/{sid}", headers=bearer(admin))
        assert response.status_code == 200
        assert response.json() == {"detail": "session ended"}
        assert not await works(client, target)
        assert sid not in {row["sid"] for row in (await admin_view(client, admin))["sessions"]}
        again = await client.delete(f"/admin/sessions/{sid}", headers=bearer(admin))
        assert again.status_code == 404
        assert await works(client, admin)


async def test_users_list_their_sessions_and_end_their_own_only(
    serve: ServerFactory, clock: ManualClock, lazy: bool
) -> None:
    server = await serve()
    async with server.client() as client:
        a = await register(client, "owner@example.com")
        a_sid = await sid_of(client, a)
        clock.advance(2)
        b = await login(client, "owner@example.com")
        b_sid = await sid_of(client, b)
        clock.advance(2)
        c = await login(client, "owner@example.com")
        c_sid = await sid_of(client, c)
        other = await register(client, "other@example.com")
        other_sid = await sid_of(client, other)
        clock.advance(2)

        rows = await own_sessions(client, b)
        # Most recently used first (for `lazy`, which records no use: most recently opened).
        expected = [c_sid, b_sid, a_sid] if lazy else [b_sid, c_sid, a_sid]
        assert [row["sid"] for row in rows] == expected
        assert [row["current"] for row in rows] == [sid == b_sid for sid in expected]
        for row in rows:
            assert set(row) == {
                "sid",
                "created_at",
                "last_accessed",
                "expires_at",
                "device",
                "current",
            }

        ended = await client.delete(f"/sessions/{a_sid}", headers=bearer(b))
        assert ended.status_code == 200
        assert not await works(client, a)
        assert (await client.delete(f"/sessions/{a_sid}", headers=bearer(b))).status_code == 404
        foreign = await client.delete(f"/sessions/{other_sid}", headers=bearer(b))
        assert foreign.status_code == 404
        assert foreign.json() == {"detail": "no such session of yours"}
        assert await works(client, other)
        assert {row["sid"] for row in await own_sessions(client, c)} == {b_sid, c_sid}


async def test_logout_others_keeps_only_the_current_session(serve: ServerFactory) -> None:
    server = await serve(session_max_per_user=10)
    async with server.client() as client:
        tokens = [await register(client, "many@example.com")]
        tokens += [await login(client, "many@example.com") for _ in range(2)]
        other = await register(client, "bystander@example.com")
        keep = tokens[1]
        keep_sid = await sid_of(client, keep)

        response = await client.post("/sessions/logout-others", headers=bearer(keep))
        assert response.status_code == 200
        assert response.json() == {"ended": 2}
        assert [await works(client, token) for token in tokens] == [False, True, False]
        assert await works(client, other)
        rows = await own_sessions(client, keep)
        assert [(row["sid"], row["current"]) for row in rows] == [(keep_sid, True)]
        again = await client.post("/sessions/logout-others", headers=bearer(keep))
        assert again.json() == {"ended": 0}


# --- the sweeper -----------------------------------------------------------------------


async def test_sweep_removes_expired_sessions(
    serve: ServerFactory, clock: ManualClock, lazy: bool
) -> None:
    # Idle sessions expire (`lazy` sessions, which have no idle timeout, reach their end).
    server = await serve(**({"jwt_ttl": 60} if lazy else {"session_idle_timeout": 60}))
    async with server.client() as client:
        sleepy = [await register(client, "sleepy@example.com")]
        sleepy.append(await register(client, "dozy@example.com"))
        clock.advance(30)
        admin = await register_admin(server, client, ADMIN)
        assert (await admin_view(client, admin))["total_sessions"] == 3
        clock.advance(31)  # the two sleepy sessions time out; the admin's does not

        expired = await admin_view(client, admin)
        assert [row["email"] for row in expired["sessions"]] == [ADMIN]
        assert await server.services.sessions.sweep() == 2
        swept = await admin_view(client, admin)
        assert swept["total_sessions"] == 1
        # The records are gone, not merely hidden: their workspaces went with their last
        # sessions, and no session memory is held for them...
        expired_users = {row["email"] for row in expired["workspaces"]}
        assert expired_users == {"sleepy@example.com", "dozy@example.com", ADMIN}
        assert [row["email"] for row in swept["workspaces"]] == [ADMIN]
        assert swept["workspace_memory_bytes"] < expired["workspace_memory_bytes"]
        assert swept["memory_bytes"] <= expired["memory_bytes"]
        assert await server.services.sessions.sweep() == 0
        # ...and looking back to a moment when they were still valid finds nothing.
        clock.current -= 20
        assert (await admin_view(client, admin))["total_sessions"] == 1
        # (A `lazy` session is its token, and the token alone was valid back then.)
        assert any([await works(client, token) for token in sleepy]) is lazy


# --- restart ---------------------------------------------------------------------------


async def test_sessions_survive_a_restart_except_in_memory(
    serve: ServerFactory, store_settings: dict[str, Any]
) -> None:
    first = await serve()
    async with first.client() as client:
        token = await register(client, "restart@example.com")
        sid = await sid_of(client, token)
        saved = await client.put(
            "/me/keywords", json={"keywords": ["python"]}, headers=bearer(token)
        )
        assert saved.status_code == 200, saved.text
    await first.stop()

    second = await serve()
    async with second.client() as client:
        response = await status(client, token)
        if store_settings["session_store"] == "memory":
            assert response.status_code == 401  # the README: a restart logs everyone out
            return
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["session"]["sid"] == sid
        # The session still reaches the account's data.
        keywords = await client.get("/me/keywords", headers=bearer(token))
        assert keywords.json() == {"keywords": ["python"], "location": None}
        assert [row["sid"] for row in await own_sessions(client, token)] == [sid]


# --- workspaces: one per user, within a memory budget ------------------------------------


async def test_workspaces_stay_within_the_budget_and_are_made_again_on_a_miss(
    serve: ServerFactory,
) -> None:
    # A budget smaller than any workspace: only the one in use is ever kept.
    server = await serve(workspace_memory_mb=0.0001)
    emails = sorted(f"lru{n}@example.com" for n in range(4))
    async with server.client() as client:
        tokens = {email: await register(client, email) for email in emails}
        for email, token in tokens.items():
            posting = {
                "link": f"https://jobs.example.com/{email}",
                "title": f"Engineer {email.split('@')[0]}",
                "company": "Acme",
                "location": "Remote",
                "description": "Python.",
            }
            imported = await client.post(
                "/job-postings/import", json={"postings": [posting]}, headers=bearer(token)
            )
            assert imported.status_code == 201, imported.text
        for email, token in tokens.items():
            # This user's workspace was evicted since their last request: it is made again,
            # and answers for its own user only.
            ranked = await client.post(
                "/job-postings", json={"keywords": ["engineer"]}, headers=bearer(token)
            )
            assert ranked.status_code == 200, ranked.text
            [item] = ranked.json()["job_postings"]
            assert item["job_title"] == f"Engineer {email.split('@')[0]}"
            assert (await status(client, token)).json()["email"] == email
            held = server.services.workspaces.usage().workspaces
            assert [row.email for row in held] == [email]


# --- store-level: the persistent stores against the protocol ---------------------------

IDLE = 600
LIFETIME = 3600


@dataclass
class StoreUnderTest:
    """A persistent store backend and two users whose sessions it may hold."""

    kind: str
    make: Callable[[float], SessionStore]  # touch interval -> a store
    alice: int
    bob: int


@pytest.fixture(params=PERSISTENT_STORES)
async def backend(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[StoreUnderTest]:
    """A fresh SQLite, PostgreSQL or Redis backing for session stores."""
    kind: str = request.param
    if kind == "redis":
        async with redis_prefix() as prefix:
            client = Redis.from_url(REDIS_URL)
            try:
                yield StoreUnderTest(
                    kind,
                    lambda touch: RedisSessionStore(client, IDLE, touch, prefix),
                    alice=1,
                    bob=2,
                )
            finally:
                await client.aclose()
        return
    if kind == "sqlite":
        async with _database_backend(kind, f"sqlite:///{tmp_path / 'sessions.db'}") as store:
            yield store
    else:
        with fresh_postgres_database() as url:
            async with _database_backend(kind, url) as store:
                yield store


@asynccontextmanager
async def _database_backend(kind: str, url: str) -> AsyncIterator[StoreUnderTest]:
    await asyncio.to_thread(upgrade, url)
    engine = create_engine(url)
    try:
        users = UserRepository(database(engine))
        alice = await users.create("alice@example.com", "not-a-real-hash")
        bob = await users.create("bob@example.com", "not-a-real-hash")
        yield StoreUnderTest(
            kind, lambda touch: DatabaseSessionStore(engine, touch), alice=alice.id, bob=bob.id
        )
    finally:
        await engine.dispose()


def record(
    sid: str,
    user_id: int,
    at: float,
    *,
    last: float | None = None,
    expires: float | None = None,
) -> SessionRecord:
    """A session record opened at `at`."""
    return SessionRecord(
        sid=sid,
        user_id=user_id,
        email=f"user{user_id}@example.com",
        created_at=at,
        last_accessed=at if last is None else last,
        expires_at=at + LIFETIME if expires is None else expires,
        device="Firefox on Linux",
    )


def sids(records: list[SessionRecord]) -> list[str]:
    return [r.sid for r in records]


async def test_store_creates_and_gets_records(backend: StoreUnderTest) -> None:
    store = backend.make(0)
    now = time.time()
    original = record("s-1", backend.alice, now)
    await store.create(original)
    loaded = await store.get("s-1")
    assert loaded == original
    assert loaded is not original
    assert await store.get("no-such-sid") is None
    # A second store on the same backing (another process, or after a restart) sees it.
    assert await backend.make(0).get("s-1") == original


async def test_store_touch_is_throttled(backend: StoreUnderTest) -> None:
    store = backend.make(10)
    now = time.time()
    await store.create(record("s-1", backend.alice, now))

    async def last_accessed() -> float:
        loaded = await store.get("s-1")
        assert loaded is not None
        return loaded.last_accessed

    await store.touch("s-1", now + 5)  # within the interval of the creation: not written
    assert await last_accessed() == now
    await store.touch("s-1", now + 10)
    assert await last_accessed() == now + 10
    await store.touch("s-1", now + 19)
    assert await last_accessed() == now + 10
    await store.touch("s-1", now + 21)
    assert await last_accessed() == now + 21
    await store.touch("no-such-sid", now + 30)  # nothing to record, and no error
    assert await store.get("no-such-sid") is None


async def test_store_deletes_one_session_or_a_users_sessions(backend: StoreUnderTest) -> None:
    store = backend.make(0)
    now = time.time()
    for n, user in enumerate([backend.alice, backend.alice, backend.alice, backend.bob]):
        await store.create(record(f"s-{n}", user, now + n))

    assert await store.delete("s-0") is True
    assert await store.delete("s-0") is False
    assert await store.get("s-0") is None
    assert await store.count() == 3

    assert sorted(await store.delete_user(backend.alice)) == ["s-1", "s-2"]
    assert await store.delete_user(backend.alice) == []
    assert await store.count(backend.alice) == 0
    assert sids(await store.list()) == ["s-3"]
    assert await store.get("s-3") is not None


async def test_store_lists_least_recently_used_first_and_counts(backend: StoreUnderTest) -> None:
    store = backend.make(0)
    now = time.time()
    await store.create(record("a1", backend.alice, now))
    await store.create(record("a2", backend.alice, now + 1))
    await store.create(record("b1", backend.bob, now + 2))
    await store.create(record("a3", backend.alice, now + 3))
    await store.touch("a1", now + 10)  # a1 becomes the most recently used

    assert sids(await store.list()) == ["a2", "b1", "a3", "a1"]
    assert sids(await store.list(limit=2)) == ["a2", "b1"]
    assert sids(await store.list(backend.alice)) == ["a2", "a3", "a1"]
    assert sids(await store.list(backend.alice, limit=1)) == ["a2"]
    assert sids(await store.list(backend.bob)) == ["b1"]
    assert await store.list(backend.bob + backend.alice + 100) == []
    assert [r.last_accessed for r in await store.list(backend.alice)] == [
        now + 1,
        now + 3,
        now + 10,
    ]

    assert await store.count() == 4
    assert await store.count(backend.alice) == 3
    assert await store.count(backend.bob) == 1
    assert await store.count(backend.bob + backend.alice + 100) == 0


async def test_store_purges_expired_sessions(backend: StoreUnderTest) -> None:
    store = backend.make(0)
    now = time.time()
    await store.create(record("idle", backend.alice, now))  # idle since `now`
    await store.create(record("old", backend.alice, now, last=now + 500, expires=now + 700))
    await store.create(record("fresh", backend.bob, now, last=now + 650))
    await store.create(record("fresh2", backend.alice, now, last=now + 690))

    assert await store.purge_expired(now + 599, IDLE) == []
    assert sorted(await store.purge_expired(now + 700, IDLE)) == ["idle", "old"]
    assert await store.purge_expired(now + 700, IDLE) == []
    assert await store.get("idle") is None
    assert await store.get("old") is None
    assert sids(await store.list()) == ["fresh", "fresh2"]
    assert sids(await store.list(backend.alice)) == ["fresh2"]
    assert await store.count() == 2
    assert await store.count(backend.alice) == 1


# --- store-level: Redis key lifetimes --------------------------------------------------


@pytest.fixture
async def redis_parts() -> AsyncIterator[tuple[Redis, str]]:
    """A Redis client and a key prefix of the test's own."""
    async with redis_prefix() as prefix:
        client = Redis.from_url(REDIS_URL)
        try:
            yield client, prefix
        finally:
            await client.aclose()


def session_key(prefix: str, sid: str) -> str:
    """Where RedisSessionStore keeps a session (the layout its module documents)."""
    return f"{prefix}session:{sid}"


async def test_redis_key_ttl_is_the_time_left_and_is_refreshed_on_touch(
    redis_parts: tuple[Redis, str],
) -> None:
    client, prefix = redis_parts
    store = RedisSessionStore(client, idle_timeout=300, touch_interval=10, prefix=prefix)
    now = time.time()

    async def ttl(sid: str) -> int:
        return int(await client.pttl(session_key(prefix, sid)))

    # Idle expiry comes first: the TTL is the idle timeout.
    await store.create(record("idle-first", 1, now, expires=now + 3600))
    assert 299_000 < await ttl("idle-first") <= 300_000
    # The absolute expiry comes first: the TTL is the lifetime left.
    await store.create(record("absolute-first", 1, now, expires=now + 120))
    assert 119_000 < await ttl("absolute-first") <= 120_000

    # A touch starts the idle timeout again (the TTL is refreshed)...
    await client.expire(session_key(prefix, "idle-first"), 50)
    await store.touch("idle-first", now + 5)  # throttled: within 10 s of the creation
    assert await ttl("idle-first") <= 50_000
    await store.touch("idle-first", now + 20)
    assert 299_000 < await ttl("idle-first") <= 300_000
    # ...but never past the absolute expiry: 120 s after opening, 100 s after this touch.
    await store.touch("absolute-first", now + 20)
    assert 99_000 < await ttl("absolute-first") <= 100_000


async def test_redis_indexes_forget_keys_that_redis_expired(
    redis_parts: tuple[Redis, str],
) -> None:
    client, prefix = redis_parts
    store = RedisSessionStore(client, idle_timeout=1, touch_interval=0.1, prefix=prefix)
    now = time.time()
    await store.create(record("quiet", 7, now))
    await store.create(record("busy", 7, now))
    await store.create(record("other", 8, now, expires=now + 1))
    assert await store.count() == 3
    assert await store.count(7) == 2

    # Real time passes: "busy" keeps being used, the others are left alone (bounded wait).
    deadline = time.monotonic() + 5
    while await client.exists(session_key(prefix, "quiet"), session_key(prefix, "other")):
        assert time.monotonic() < deadline, "Redis did not expire the idle keys"
        await store.touch("busy", time.time())
        await asyncio.sleep(0.2)
    await store.touch("busy", time.time())

    assert await store.get("quiet") is None
    assert sids(await store.list()) == ["busy"]
    assert sids(await store.list(7)) == ["busy"]
    assert await store.list(8) == []
    assert await store.count() == 1
    assert await store.count(7) == 1
    assert await store.count(8) == 0
    assert await client.zcard(f"{prefix}sessions:user:7") == 1
    assert await client.zcard(f"{prefix}sessions:user:8") == 0
