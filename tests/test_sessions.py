"""Sessions over HTTP: one per login, one workspace each, sweeping, logout, admin.

Expiry and the limits are tested against every store in test_session_stores.py."""

from __future__ import annotations

import asyncio
import math
import time
from typing import Any

import httpx
import pytest
from conftest import ServerFactory
from support import (
    LiveServer,
    ManualClock,
    bearer,
    grant_admin,
    login,
    open_stream,
    register,
    register_admin,
    sid_of,
    user_id_of,
)

from dreamjobsearch.sessions.manager import SessionKey
from dreamjobsearch.workspace import Workspace

ADMIN = "admin@example.com"


async def status(client: httpx.AsyncClient, token: str) -> httpx.Response:
    """GET /auth/status with a token (records a use of its session)."""
    return await client.get("/auth/status", headers=bearer(token))


async def works(client: httpx.AsyncClient, token: str) -> bool:
    """Whether the token's session still answers (200) rather than 401."""
    response = await status(client, token)
    assert response.status_code in (200, 401), response.text
    return response.status_code == 200


async def workspace_of(server: LiveServer, sid: str, user_id: int) -> Workspace:
    active = await server.services.sessions.resolve(SessionKey(sid, user_id, 0, math.inf))
    assert active is not None
    return active.workspace


def sessions_using_workspace(server: LiveServer, user_id: int) -> int:
    """How many sessions of this process use the user's workspace (0: none is held)."""
    usage = server.services.workspaces.usage().workspaces
    return next((row.sessions for row in usage if row.user_id == user_id), 0)


async def admin_view(client: httpx.AsyncClient, token: str) -> dict[str, Any]:
    response = await client.get("/admin/sessions", headers=bearer(token))
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


# --- one session per login, one workspace per session ---------------------------------


async def test_every_login_opens_a_new_session_sharing_the_users_workspace(
    server: LiveServer, client: httpx.AsyncClient
) -> None:
    tokens = [await register(client, "multi@example.com")]
    tokens += [await login(client, "multi@example.com") for _ in range(2)]
    # Every session serves the same account: what one saves, all read.
    saved = await client.put(
        "/me/keywords", json={"keywords": ["python"]}, headers=bearer(tokens[0])
    )
    assert saved.status_code == 200, saved.text
    sids = set()
    for token in tokens:
        body = (await status(client, token)).json()
        keywords = await client.get("/me/keywords", headers=bearer(token))
        assert keywords.json() == {"keywords": ["python"], "location": None}
        assert body["email"] == "multi@example.com"
        sids.add(body["session"]["sid"])
    assert len(sids) == 3
    stats = await server.services.sessions.stats()
    assert {view.sid for view in stats.sessions} == sids
    user_id = await user_id_of(server, "multi@example.com")
    workspaces = [await workspace_of(server, sid, user_id) for sid in sids]
    assert len({id(workspace) for workspace in workspaces}) == 1
    assert sessions_using_workspace(server, user_id) == 3


async def test_requests_of_a_session_share_one_workspace_object(
    server: LiveServer, client: httpx.AsyncClient
) -> None:
    token = await register(client, "same@example.com")
    sid = await sid_of(client, token)
    user_id = await user_id_of(server, "same@example.com")
    first = await workspace_of(server, sid, user_id)
    second = await workspace_of(server, sid, user_id)
    assert first is second
    ranked = await client.post(
        "/job-postings", json={"keywords": ["python"]}, headers=bearer(token)
    )
    assert ranked.status_code == 200
    assert await workspace_of(server, sid, user_id) is first


async def test_a_missing_workspace_is_rebuilt_by_the_next_request(
    server: LiveServer, client: httpx.AsyncClient
) -> None:
    token = await register(client, "rebuilt@example.com")
    sid = await sid_of(client, token)
    user_id = await user_id_of(server, "rebuilt@example.com")
    before = await workspace_of(server, sid, user_id)
    imported = await client.post(
        "/job-postings/import",
        json={
            "postings": [
                {
                    "link": "https://jobs.example.com/1",
                    "title": "Python developer",
                    "company": "Acme",
                    "location": "Warsaw, Poland",
                    "description": "Python and Django.",
                }
            ]
        },
        headers=bearer(token),
    )
    assert imported.status_code == 201, imported.text
    assert imported.json()["imported"] == 1

    # The pool lets the workspace go (as under its budget); the session records stay.
    server.services.workspaces.end_user(user_id)
    assert sessions_using_workspace(server, user_id) == 0

    response = await status(client, token)
    assert response.status_code == 200
    ranked = await client.post(
        "/job-postings", json={"keywords": ["python"]}, headers=bearer(token)
    )
    assert ranked.status_code == 200
    assert ranked.json()["total"] == imported.json()["imported"]
    after = await workspace_of(server, sid, user_id)
    assert after is not before
    assert after.email == "rebuilt@example.com"
    assert await workspace_of(server, sid, user_id) is after


# --- expiry ----------------------------------------------------------------------------


async def test_sweep_frees_expired_sessions(make_server: ServerFactory, clock: ManualClock) -> None:
    server = await make_server(session_idle_timeout=60)
    async with server.client() as client:
        admin = await register_admin(server, client, ADMIN)
        user = await register(client, "sleepy@example.com")
        user_sid = await sid_of(client, user)
        async with open_stream(client, token=user) as stream:
            clock.advance(30)
            before = await admin_view(client, admin)
            assert before["total_sessions"] == 2
            clock.advance(31)
            expired = await admin_view(client, admin)
            assert [row["email"] for row in expired["sessions"]] == [ADMIN]

            assert await server.services.sessions.sweep() == 1
            assert await stream.ended()
        swept = await admin_view(client, admin)
        assert swept["total_sessions"] == 1
        assert user_sid not in {row["sid"] for row in swept["sessions"]}
        assert swept["memory_bytes"] < expired["memory_bytes"]
        assert await server.services.sessions.sweep() == 0
        assert not await works(client, user)
        assert await works(client, admin)


async def test_background_sweeper_runs_every_interval(
    make_server: ServerFactory, clock: ManualClock
) -> None:
    server = await make_server(session_idle_timeout=60, session_sweep_interval=1)
    async with server.client() as client:
        token = await register(client, "swept@example.com")
        async with open_stream(client, token=token) as stream:
            clock.advance(61)
            started = time.monotonic()
            assert await stream.ended(within=3)  # the sweeper closed it, in real time
            assert time.monotonic() - started < 3
        assert await server.services.sessions.sweep() == 0
        assert (await server.services.sessions.stats()).total_sessions == 0
        assert not await works(client, token)


# --- limits ----------------------------------------------------------------------------


async def test_timed_out_sessions_do_not_block_a_new_login(
    make_server: ServerFactory, clock: ManualClock
) -> None:
    server = await make_server(
        session_max_per_user=2, session_limit_policy="refuse", session_idle_timeout=60
    )
    async with server.client() as client:
        old = [await register(client, "back@example.com"), await login(client, "back@example.com")]
        clock.advance(61)  # both time out; the sweeper has not run
        fresh = await login(client, "back@example.com")
        assert await works(client, fresh)
        assert not any([await works(client, token) for token in old])


async def test_a_refused_registration_leaves_no_account_behind(
    make_server: ServerFactory,
) -> None:
    server = await make_server(session_max_total=1, session_limit_policy="refuse")
    async with server.client() as client:
        first = await register(client, "first@example.com")
        refused = await client.post(
            "/register", json={"email": "late@example.com", "password": "correct horse battery"}
        )
        assert refused.status_code == 503
        assert await server.services.users.by_email("late@example.com") is None
        assert (await client.post("/logout", headers=bearer(first))).status_code == 200
        assert (
            await client.post(
                "/register", json={"email": "late@example.com", "password": "correct horse battery"}
            )
        ).status_code == 201


# --- logout ----------------------------------------------------------------------------


async def test_logout_ends_that_session_only_and_the_last_releases_the_workspace(
    server: LiveServer, client: httpx.AsyncClient
) -> None:
    leaving = await register(client, "out@example.com")
    staying = await login(client, "out@example.com")
    sid = await sid_of(client, leaving)
    user_id = await user_id_of(server, "out@example.com")
    workspace = await workspace_of(server, sid, user_id)
    assert sessions_using_workspace(server, user_id) == 2

    response = await client.post("/logout", headers=bearer(leaving))
    assert response.status_code == 200
    assert response.json() == {"detail": "logged out"}
    assert not await works(client, leaving)
    assert (await client.post("/logout", headers=bearer(leaving))).status_code == 401
    assert await server.services.sessions.resolve(SessionKey(sid, user_id, 0, math.inf)) is None
    # The other session still uses the workspace; it goes with the last logout.
    assert sessions_using_workspace(server, user_id) == 1
    assert await works(client, staying)
    assert await workspace_of(server, await sid_of(client, staying), user_id) is workspace
    assert (await client.post("/logout", headers=bearer(staying))).status_code == 200
    assert sessions_using_workspace(server, user_id) == 0


# --- admin -----------------------------------------------------------------------------


async def test_admin_lists_every_session_with_counts(
    make_server: ServerFactory, clock: ManualClock
) -> None:
    server = await make_server(session_absolute_timeout=1000)
    async with server.client() as client:
        admin = await register_admin(server, client, ADMIN)
        alice = [await register(client, "alice@example.com")]
        alice.append(await login(client, "alice@example.com"))
        bob = await register(client, "bob@example.com")
        sids = {await sid_of(client, token) for token in [admin, *alice, bob]}
        clock.advance(5)

        body = await admin_view(client, admin)
        assert body["active_users"] == 3
        assert body["total_sessions"] == 4
        assert body["memory_bytes"] > 0
        rows = body["sessions"]
        assert {row["sid"] for row in rows} == sids
        emails = sorted(row["email"] for row in rows)
        assert emails == [ADMIN, "alice@example.com", "alice@example.com", "bob@example.com"]
        assert rows[0]["email"] == ADMIN  # the admin's own request made it the most recent
        for row in rows:
            assert {
                "sid",
                "user_id",
                "email",
                "created_at",
                "last_accessed",
                "expires_at",
                "subscribers",
                "memory_bytes",
            } <= row.keys()
            assert row["subscribers"] == 0
            assert row["memory_bytes"] > 0
            assert row["created_at"] <= row["last_accessed"] < row["expires_at"]

        for token in alice:
            assert (await client.post("/logout", headers=bearer(token))).status_code == 200
        after = await admin_view(client, admin)
        assert (after["active_users"], after["total_sessions"]) == (2, 2)


async def test_admin_memory_grows_with_more_sessions(
    server: LiveServer, client: httpx.AsyncClient
) -> None:
    admin = await register_admin(server, client, ADMIN)
    alone = await admin_view(client, admin)
    await register(client, "m1@example.com")
    for _ in range(4):
        await login(client, "m1@example.com")
    crowded = await admin_view(client, admin)
    assert crowded["total_sessions"] == 6
    assert crowded["memory_bytes"] > alone["memory_bytes"]


async def test_admin_sees_open_log_streams_per_session(
    server: LiveServer, client: httpx.AsyncClient
) -> None:
    admin = await register_admin(server, client, ADMIN)
    watcher = await register(client, "watcher@example.com")
    quiet = await login(client, "watcher@example.com")
    watcher_sid = await sid_of(client, watcher)
    quiet_sid = await sid_of(client, quiet)

    def subscribers(body: dict[str, Any]) -> dict[str, int]:
        return {row["sid"]: row["subscribers"] for row in body["sessions"]}

    async with open_stream(client, token=watcher):
        assert subscribers(await admin_view(client, admin))[watcher_sid] == 1
        ticket = (await client.post("/logs/ticket", headers=bearer(watcher))).json()["ticket"]
        async with open_stream(client, ticket=ticket):
            counts = subscribers(await admin_view(client, admin))
            assert counts[watcher_sid] == 2
            assert counts[quiet_sid] == 0

    # Closed streams stop counting once the server notices the disconnects.
    deadline = time.monotonic() + 5
    while subscribers(await admin_view(client, admin))[watcher_sid] != 0:
        assert time.monotonic() < deadline, "closed streams still counted"
        await asyncio.sleep(0.05)


async def test_admin_ends_a_session(server: LiveServer, client: httpx.AsyncClient) -> None:
    admin = await register_admin(server, client, ADMIN)
    target = await register(client, "target@example.com")
    other = await login(client, "target@example.com")
    sid = await sid_of(client, target)
    async with open_stream(client, token=target) as stream:
        response = await client.delete(f"/admin/sessions/{sid}", headers=bearer(admin))
        assert response.status_code == 200
        assert response.json() == {"detail": "session ended"}
        assert await stream.ended()
    assert not await works(client, target)
    assert await works(client, other)
    assert sid not in {row["sid"] for row in (await admin_view(client, admin))["sessions"]}

    again = await client.delete(f"/admin/sessions/{sid}", headers=bearer(admin))
    assert again.status_code == 404
    unknown = await client.delete("/admin/sessions/no-such-session", headers=bearer(admin))
    assert unknown.status_code == 404
    assert unknown.json() == {"detail": "no such session"}


async def test_non_admins_cannot_list_or_end_sessions(
    server: LiveServer, client: httpx.AsyncClient
) -> None:
    admin = await register_admin(server, client, ADMIN)
    admin_sid = await sid_of(client, admin)
    user = await register(client, "mallory@example.com")
    listed = await client.get("/admin/sessions", headers=bearer(user))
    assert listed.status_code == 403
    assert listed.json() == {"detail": "admins only"}
    ended = await client.delete(f"/admin/sessions/{admin_sid}", headers=bearer(user))
    assert ended.status_code == 403
    assert await works(client, admin)
    assert (await client.get("/admin/sessions")).status_code == 401


@pytest.mark.parametrize("email", ["Admin@Example.com", ADMIN])
async def test_admin_rights_are_granted_whatever_the_case_of_the_email(
    server: LiveServer, client: httpx.AsyncClient, email: str
) -> None:
    token = await register(client, email)
    assert (await status(client, token)).json()["is_admin"] is False
    await grant_admin(server, "ADMIN@example.COM")
    assert (await status(client, token)).json()["is_admin"] is True
    assert (await client.get("/admin/sessions", headers=bearer(token))).status_code == 200
