"""Open `/logs` streams are capped per session, per user and per server: 429, slots come back."""

from __future__ import annotations

import asyncio
from contextlib import AsyncExitStack

import httpx
from conftest import ServerFactory
from support import EventStream, LiveServer, bearer, login, open_stream, register
from test_logs import eventually, ticket_for
from web_support import sign_up

CAPS = {
    "log_max_streams_per_session": 2,
    "log_max_streams_per_user": 3,
    "log_max_streams_total": 4,
}


async def refusal(
    client: httpx.AsyncClient, *, token: str | None = None, ticket: str | None = None
) -> httpx.Response:
    """`GET /logs` that must be refused: the whole (short) answer."""
    params = {"ticket": ticket} if ticket else None
    headers = bearer(token) if token else None
    async with asyncio.timeout(10):
        response = await client.get("/logs", params=params, headers=headers)
    assert response.status_code == 429, response.text
    assert response.headers["content-type"] == "application/json"
    assert int(response.headers["retry-after"]) > 0
    return response


async def open_streams(
    stack: AsyncExitStack, client: httpx.AsyncClient, token: str, count: int
) -> list[EventStream]:
    """`count` open streams of the token's session, closed with the stack."""
    return [await stack.enter_async_context(open_stream(client, token=token)) for _ in range(count)]


async def open_count(server: LiveServer) -> int:
    """Streams the server holds open now."""
    return server.services.stream_slots.open_streams


async def test_one_session_may_hold_only_so_many_streams(make_server: ServerFactory) -> None:
    server = await make_server(**CAPS)
    async with server.client() as client, AsyncExitStack() as stack:
        token = await register(client, "a@example.com")
        await open_streams(stack, client, token, 2)
        refused = await refusal(client, token=token)
        assert "per session" in refused.json()["detail"]
        # A ticket meets the same cap.
        await refusal(client, ticket=await ticket_for(client, token))
        # The session's other requests still work.
        assert (await client.get("/me/keywords", headers=bearer(token))).status_code == 200


async def test_the_pages_stream_meets_the_same_caps(make_server: ServerFactory) -> None:
    server = await make_server(**CAPS)
    async with server.client() as client, AsyncExitStack() as stack:
        await sign_up(client, "a@example.com")
        page_token = client.cookies["dreamjob_session"]
        await open_streams(stack, client, page_token, 2)
        async with asyncio.timeout(10):
            refused = await client.get("/web/logs", headers={"Accept": "text/event-stream"})
        assert refused.status_code == 429
        assert int(refused.headers["retry-after"]) > 0


async def test_one_user_may_hold_only_so_many_streams(make_server: ServerFactory) -> None:
    server = await make_server(**CAPS)
    async with server.client() as client, AsyncExitStack() as stack:
        phone = await register(client, "a@example.com")
        laptop = await login(client, "a@example.com")
        await open_streams(stack, client, phone, 2)
        await open_streams(stack, client, laptop, 1)
        refused = await refusal(client, token=laptop)
        assert "per user" in refused.json()["detail"]


async def test_the_server_holds_only_so_many_streams(make_server: ServerFactory) -> None:
    server = await make_server(**CAPS)
    async with server.client() as client, AsyncExitStack() as stack:
        alice = await register(client, "a@example.com")
        alice_again = await login(client, "a@example.com")
        bob = await register(client, "b@example.com")
        carol = await register(client, "c@example.com")
        await open_streams(stack, client, alice, 2)
        await open_streams(stack, client, alice_again, 1)
        await open_streams(stack, client, bob, 1)
        refused = await refusal(client, token=carol)
        assert "server" in refused.json()["detail"]


async def test_a_closed_stream_gives_its_place_back(make_server: ServerFactory) -> None:
    server = await make_server(**CAPS)
    async with server.client() as client:
        token = await register(client, "a@example.com")
        for _round in range(3):
            async with AsyncExitStack() as stack:
                await open_streams(stack, client, token, 2)
                assert await open_count(server) == 2
            # The client went away: the server notices and frees both places.
            await eventually(lambda: _closed(server))
        async with open_stream(client, token=token) as stream:
            assert isinstance(stream, EventStream)


async def test_a_client_that_leaves_at_once_gives_its_place_back(
    make_server: ServerFactory,
) -> None:
    server = await make_server(**CAPS)
    async with server.client() as client:
        token = await register(client, "a@example.com")
        for _round in range(4):
            async with client.stream("GET", "/logs", headers=bearer(token)) as response:
                assert response.status_code == 200
            await eventually(lambda: _closed(server))


async def test_logging_out_ends_the_streams_and_frees_their_places(
    make_server: ServerFactory,
) -> None:
    server = await make_server(**CAPS)
    async with server.client() as client, AsyncExitStack() as stack:
        token = await register(client, "a@example.com")
        streams = await open_streams(stack, client, token, 2)
        assert (await client.post("/logout", headers=bearer(token))).status_code == 200
        for stream in streams:
            assert await stream.ended()
        await eventually(lambda: _closed(server))


async def _closed(server: LiveServer) -> bool:
    return await open_count(server) == 0
