"""A page in use stays logged in for as long as its session lasts: once half its token's
lifetime is spent, the page gets a fresh token in its cookie (same session)."""

from __future__ import annotations

from conftest import ServerFactory
from support import ManualClock, bearer
from web_support import session_token, sign_up


async def test_a_page_in_use_outlives_its_first_token(
    make_server: ServerFactory, clock: ManualClock
) -> None:
    server = await make_server(jwt_ttl=600, session_idle_timeout=1800)
    async with server.client() as client:
        await sign_up(client, "reader@example.com")
        first = session_token(client)
        sid = (await client.get("/auth/status", headers=bearer(first))).json()["session"]["sid"]

        clock.advance(200)  # a third of the token's lifetime: nothing to renew yet
        assert (await client.get("/")).status_code == 200
        assert session_token(client) == first

        clock.advance(200)  # past half: this page view brings a fresh token
        assert (await client.get("/")).status_code == 200
        second = session_token(client)
        assert second != first
        status = await client.get("/auth/status", headers=bearer(second))
        assert status.json()["session"]["sid"] == sid  # the same session

        clock.advance(300)  # the first token has expired; the page is still logged in
        assert (await client.get("/auth/status", headers=bearer(first))).status_code == 401
        assert (await client.get("/")).status_code == 200


async def test_renewal_stops_at_the_session_s_own_end(
    make_server: ServerFactory, clock: ManualClock
) -> None:
    server = await make_server(jwt_ttl=600, session_absolute_timeout=700)
    async with server.client() as client:
        await sign_up(client, "bounded@example.com")
        clock.advance(400)
        assert (await client.get("/")).status_code == 200  # renewed, up to the session's end
        clock.advance(301)  # 701 s after login: the session is over, whatever the token says
        response = await client.get("/")
        assert response.status_code == 303
        assert response.headers["location"] == "/login"
