"""What only the `lazy` store does: no session read or written while it is used (the user's
workspace still comes from the process's pool, checked against the database per request),
and ending sessions through a denylist (in the database, or in Redis when one is
configured) that every process sharing it obeys.

The behaviours all stores share (limits, listing, expiry...) are in test_session_stores.py.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest
from conftest import ServerFactory
from redis.asyncio import Redis
from services_available import REDIS_URL, fresh_redis_prefix
from sqlalchemy import select, update
from support import (
    LiveServer,
    ManualClock,
    bearer,
    login,
    register,
    register_admin,
    sid_of,
    user_id_of,
)

from dreamjobsearch.storage.account_facts import MAX_AGE
from dreamjobsearch.storage.db import database
from dreamjobsearch.storage.models import RevokedSession, SessionRow, User
from dreamjobsearch.workspace import SavedKeywords

ADMIN = "admin@example.com"

redis_prefix = asynccontextmanager(fresh_redis_prefix)


@pytest.fixture(params=["database", pytest.param("redis", marks=pytest.mark.services)])
async def lazy_settings(request: pytest.FixtureRequest) -> AsyncIterator[dict[str, Any]]:
    """`lazy` with its denylist in the test's SQLite database, or in the real Redis."""
    if request.param == "database":
        yield {"session_store": "lazy"}
    else:
        async with redis_prefix() as prefix:
            yield {"session_store": "lazy", "redis_url": REDIS_URL, "redis_prefix": prefix}


@pytest.fixture
def serve(lazy_settings: dict[str, Any], make_server: ServerFactory) -> ServerFactory:
    """Start a live server on the lazy store; all servers of a test share its storage."""

    async def serve(**overrides: Any) -> LiveServer:
        return await make_server(**{**lazy_settings, **overrides})

    return serve


async def set_active(server: LiveServer, user_id: int, active: bool) -> None:
    """Enable or disable an account in the database."""
    async with database(server.services.engine)() as session, session.begin():
        await session.execute(update(User).where(User.id == user_id).values(is_active=active))


async def test_stateless_requests_share_the_users_workspace_and_see_changes_made_elsewhere(
    serve: ServerFactory,
) -> None:
    server = await serve()
    async with server.client() as client:
        token = await register(client, "fresh@example.com")
        other = await login(client, "fresh@example.com")
        user_id = await user_id_of(server, "fresh@example.com")
        _claims, first = await server.services.auth.authenticate(token)
        _claims, second = await server.services.auth.authenticate(other)
        assert second.workspace is first.workspace  # not rebuilt per request or per session
        assert await first.workspace.saved_keywords() == SavedKeywords([], None)
        # Another process saves keywords: this one's workspace shows them on its next read.
        tracking = server.services.workspace_services.tracking
        await tracking.save_keywords(user_id, ["rust"], "Berlin")
        _claims, third = await server.services.auth.authenticate(token)
        assert await third.workspace.saved_keywords() == SavedKeywords(["rust"], "Berlin")
        for held in (token, other):
            assert (await client.post("/logout", headers=bearer(held))).status_code == 200
        assert server.services.workspaces.usage().workspaces == []


async def test_requests_neither_read_nor_write_a_session_record(
    serve: ServerFactory, clock: ManualClock, lazy_settings: dict[str, Any]
) -> None:
    server = await serve()
    async with server.client() as client:
        token = await register(client, "quiet@example.com")
        sid = await sid_of(client, token)
        user_id = await user_id_of(server, "quiet@example.com")
        before = await server.services.sessions.sessions_of(user_id)
        for _ in range(5):
            clock.advance(120)
            assert (await client.get("/auth/status", headers=bearer(token))).status_code == 200
        listed = await client.get("/sessions", headers=bearer(token))
        assert [row["sid"] for row in listed.json()] == [sid]
        after = await server.services.sessions.sessions_of(user_id)
        assert [(r.sid, r.last_accessed) for r in after] == [
            (r.sid, r.last_accessed) for r in before
        ]
        assert [r.sid for r in after] == [sid]
        if "redis_url" not in lazy_settings:
            async with database(server.services.engine)() as session:
                rows = (await session.execute(select(SessionRow))).scalars().all()
            assert [row.sid for row in rows] == [sid]


async def test_a_logout_on_one_server_is_obeyed_at_once_by_another(serve: ServerFactory) -> None:
    one = await serve()
    other = await serve()
    async with one.client() as here, other.client() as there:
        leaving = await register(here, "roams@example.com")
        staying = await login(there, "roams@example.com")
        assert (await there.get("/auth/status", headers=bearer(leaving))).status_code == 200

        assert (await there.post("/logout", headers=bearer(leaving))).status_code == 200
        refused = await here.get("/auth/status", headers=bearer(leaving))
        assert refused.status_code == 401
        assert refused.json() == {"detail": "session ended: log in again"}
        assert (await here.get("/auth/status", headers=bearer(staying))).status_code == 200


async def test_admin_kills_and_disabled_accounts_end_sessions(serve: ServerFactory) -> None:
    server = await serve()
    async with server.client() as client:
        admin = await register_admin(server, client, ADMIN)
        victim = await register(client, "victim@example.com")
        other = await login(client, "victim@example.com")
        victim_sid = await sid_of(client, victim)

        listed = (await client.get("/admin/sessions", headers=bearer(admin))).json()
        assert victim_sid in {row["sid"] for row in listed["sessions"]}
        killed = await client.delete(f"/admin/sessions/{victim_sid}", headers=bearer(admin))
        assert killed.status_code == 200
        assert (await client.get("/auth/status", headers=bearer(victim))).status_code == 401
        assert (await client.get("/auth/status", headers=bearer(other))).status_code == 200

        # Disabled by an admin: refused at once.
        victim_id = await user_id_of(server, "victim@example.com")
        disabled = await client.post(f"/admin/users/{victim_id}/disable", headers=bearer(admin))
        assert disabled.status_code == 200, disabled.text
        assert (await client.get("/auth/status", headers=bearer(other))).status_code == 401


async def test_an_account_disabled_in_the_database_is_refused_within_a_second(
    serve: ServerFactory,
) -> None:
    """Behind the server's back (an operator's SQL): the account facts each process keeps
    for at most `MAX_AGE` run out, and the next request reads the account again."""
    server = await serve()
    async with server.client() as client:
        token = await register(client, "edited@example.com")
        assert (await client.get("/auth/status", headers=bearer(token))).status_code == 200
        await set_active(server, await user_id_of(server, "edited@example.com"), False)
        deadline = time.monotonic() + 3 * MAX_AGE
        while (await client.get("/auth/status", headers=bearer(token))).status_code == 200:
            assert time.monotonic() < deadline, "still accepted after three times MAX_AGE"
            await asyncio.sleep(MAX_AGE / 10)


async def test_a_denylist_entry_lasts_as_long_as_the_token(
    serve: ServerFactory, clock: ManualClock, lazy_settings: dict[str, Any]
) -> None:
    server = await serve(jwt_ttl=600)
    async with server.client() as client:
        token = await register(client, "brief@example.com")
        sid = await sid_of(client, token)
        expires_at = (await server.services.auth.authenticate(token))[0].expires_at
        clock.advance(100)
        assert (await client.post("/logout", headers=bearer(token))).status_code == 200
        assert (await client.get("/auth/status", headers=bearer(token))).status_code == 401

        if "redis_url" in lazy_settings:
            redis = Redis.from_url(REDIS_URL)
            try:
                ttl = await redis.ttl(f"{lazy_settings['redis_prefix']}revoked:{sid}")
            finally:
                await redis.aclose()
            assert expires_at - clock.now() - 1 <= ttl <= expires_at - clock.now() + 1
            return
        async with database(server.services.engine)() as session:
            [entry] = (await session.execute(select(RevokedSession))).scalars().all()
        assert (entry.sid, entry.expires_at) == (sid, pytest.approx(expires_at, abs=1))
        clock.advance(expires_at - clock.now() + 1)
        await server.services.sessions.sweep()
        async with database(server.services.engine)() as session:
            assert (await session.execute(select(RevokedSession))).scalars().all() == []
