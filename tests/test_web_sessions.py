"""My sessions and the admin session monitor, through the pages."""

from __future__ import annotations

import re

from support import LiveServer, bearer, grant_admin
from web_support import session_token, sign_in, sign_up

EMAIL = "ada@example.com"
ADMIN = "admin@example.com"
SESSION_ROW = re.compile(r'<input type="hidden" name="sid" value="([^"]+)">')


async def test_my_sessions_lists_each_login_and_marks_this_one(server: LiveServer) -> None:
    async with server.client() as here, server.client() as there:
        await sign_up(here, EMAIL)
        await sign_in(there, EMAIL)
        page = await here.get("/account/sessions")
    assert page.status_code == 200
    assert "2 active sessions" in page.text
    assert page.text.count("This session") == 1
    assert len(SESSION_ROW.findall(page.text)) == 2


async def test_ending_another_session_logs_it_out(server: LiveServer) -> None:
    async with server.client() as here, server.client() as there:
        csrf = await sign_up(here, EMAIL)
        await sign_in(there, EMAIL)
        their_token = session_token(there)
        page = await here.get("/account/sessions")
        mine = await here.get("/auth/status", headers=bearer(session_token(here)))
        my_sid = mine.json()["session"]["sid"]
        (other_sid,) = [sid for sid in SESSION_ROW.findall(page.text) if sid != my_sid]
        response = await here.post("/web/sessions/end", data={"csrf_token": csrf, "sid": other_sid})
        assert response.status_code == 303
        assert response.headers["location"] == "/account/sessions?ended=1"
        assert (await there.get("/")).status_code == 303
        assert (await there.get("/auth/status", headers=bearer(their_token))).status_code == 401
        assert (await here.get("/")).status_code == 200
        assert "One session ended." in (await here.get(response.headers["location"])).text


async def test_ending_all_others_keeps_this_one(server: LiveServer) -> None:
    async with server.client() as here, server.client() as second, server.client() as third:
        csrf = await sign_up(here, EMAIL)
        await sign_in(second, EMAIL)
        await sign_in(third, EMAIL)
        response = await here.post("/web/sessions/end-others", data={"csrf_token": csrf})
        assert response.headers["location"] == "/account/sessions?ended=2"
        assert (await second.get("/")).status_code == 303
        assert (await third.get("/")).status_code == 303
        page = await here.get("/account/sessions")
        assert "1 active session" in page.text


async def test_ending_this_session_logs_out_here(server: LiveServer) -> None:
    async with server.client() as here:
        csrf = await sign_up(here, EMAIL)
        (sid,) = SESSION_ROW.findall((await here.get("/account/sessions")).text)
        response = await here.post("/web/sessions/end", data={"csrf_token": csrf, "sid": sid})
        assert response.headers["location"] == "/login"
        assert (await here.get("/")).status_code == 303


async def test_nobody_can_end_someone_elses_session(server: LiveServer) -> None:
    async with server.client() as owner, server.client() as other:
        await sign_up(owner, EMAIL)
        (sid,) = SESSION_ROW.findall((await owner.get("/account/sessions")).text)
        csrf = await sign_up(other, "bob@example.com")
        response = await other.post("/web/sessions/end", data={"csrf_token": csrf, "sid": sid})
        assert response.status_code == 404
        assert sid not in (await other.get("/account/sessions")).text
        assert (await owner.get("/")).status_code == 200


async def test_an_admin_can_end_any_session(server: LiveServer) -> None:
    async with server.client() as user, server.client() as admin:
        await sign_up(user, EMAIL)
        (sid,) = SESSION_ROW.findall((await user.get("/account/sessions")).text)
        csrf = await sign_up(admin, ADMIN)
        await grant_admin(server, ADMIN)
        monitor = await admin.get("/admin")
        assert monitor.status_code == 200
        assert "Session monitor" in monitor.text
        assert "<title>Admin · DreamJobSearch</title>" in monitor.text
        assert sid in SESSION_ROW.findall(monitor.text)
        # Each user's workspace in this process, with its memory, and the budget.
        assert monitor.text.count('id="workspaces-title"') == 1
        workspaces = monitor.text.split('id="workspaces-title"', 1)[1]
        assert EMAIL in workspaces
        assert ADMIN in workspaces
        assert "of 256.0 MiB" in monitor.text
        response = await admin.post(
            "/web/admin/sessions/end", data={"csrf_token": csrf, "sid": sid}
        )
        assert response.headers["location"] == "/admin?ended=true"
        assert (await user.get("/")).status_code == 303
        missing = await admin.post("/web/admin/sessions/end", data={"csrf_token": csrf, "sid": sid})
        assert missing.status_code == 404


async def test_only_admins_can_end_sessions_from_the_monitor(server: LiveServer) -> None:
    async with server.client() as owner, server.client() as other:
        await sign_up(owner, EMAIL)
        (sid,) = SESSION_ROW.findall((await owner.get("/account/sessions")).text)
        csrf = await sign_up(other, "bob@example.com")
        response = await other.post(
            "/web/admin/sessions/end", data={"csrf_token": csrf, "sid": sid}
        )
        assert response.status_code == 403
        assert (await owner.get("/")).status_code == 200
