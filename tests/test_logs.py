"""Live logs over HTTP: tickets, the SSE stream, fan-out, isolation, back-pressure, endings."""

from __future__ import annotations

import asyncio
import shutil
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
from conftest import ServerFactory
from support import (
    FINAL_STATES,
    EventStream,
    LiveServer,
    ManualClock,
    bearer,
    login,
    open_stream,
    register,
    register_admin,
    sid_of,
    user_id_of,
)

from dreamjobsearch.events.base import Event

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
EVENT_KEYS = {"ts", "level", "kind", "run_id", "message", "data"}
COUNT_KEYS = {"links_found", "fetched", "new", "duplicates", "errors"}
QUIET = 0.5  # how long a stream that must stay silent is watched


def is_final(event: dict[str, Any]) -> bool:
    """Whether the event ends a run."""
    return event["kind"] == "run_state" and event["data"]["status"] in FINAL_STATES


async def ticket_for(client: httpx.AsyncClient, token: str) -> str:
    """A fresh log ticket for the token's session."""
    response = await client.post("/logs/ticket", headers=bearer(token))
    assert response.status_code == 200, response.text
    ticket: str = response.json()["ticket"]
    return ticket


async def logs_status(
    client: httpx.AsyncClient, *, ticket: str | None = None, token: str | None = None
) -> int:
    """The status of `GET /logs`, without reading a (possibly endless) body."""
    params = {"ticket": ticket} if ticket else None
    headers = bearer(token) if token else None
    async with asyncio.timeout(10):
        async with client.stream("GET", "/logs", params=params, headers=headers) as response:
            if response.status_code == 401:
                body = await response.aread()
                assert b"detail" in body
                assert response.headers.get("www-authenticate") == "Bearer"
            return response.status_code


def put_postings(server: LiveServer, name: str = "x.json") -> None:
    """Copy the sample postings into DATA_DIR, where a `file` source can read them."""
    shutil.copy(EXAMPLES / "postings.json", server.services.settings.data_dir / name)


async def start_run(
    client: httpx.AsyncClient, token: str, queries: list[str], name: str = "x.json"
) -> str:
    """Start an update run over the sample file; returns its id."""
    response = await client.post(
        "/update-database",
        json={"queries": queries, "sources": [{"type": "file", "path": name}]},
        headers=bearer(token),
    )
    assert response.status_code == 202, response.text
    run_id: str = response.json()["run_id"]
    return run_id


async def read_run(stream: EventStream, within: float = 15) -> list[dict[str, Any]]:
    """Every event up to and including the run's final state."""
    events: list[dict[str, Any]] = []
    deadline = time.monotonic() + within
    while not events or not is_final(events[-1]):
        events.append(await stream.next(max(0.01, deadline - time.monotonic())))
    return events


async def assert_quiet(
    server: LiveServer, stream: EventStream, user_id: int, within: float = QUIET
) -> None:
    """Check the stream delivers nothing for `within` seconds.

    (A timed-out read would end the stream's line reader, so instead a marker is published
    to the stream's user after the wait and must be the very next event.)
    """
    await asyncio.sleep(within)
    marker = f"marker {time.monotonic_ns()}"
    await server.services.bus.publish(user_id, Event(kind="log", message=marker))
    event = await stream.next()
    assert event["message"] == marker, f"unexpected event {event}"


async def admin_subscribers(client: httpx.AsyncClient, admin_token: str, sid: str) -> int:
    """The admin monitor's stream count for a session."""
    response = await client.get("/admin/sessions", headers=bearer(admin_token))
    assert response.status_code == 200, response.text
    (row,) = [row for row in response.json()["sessions"] if row["sid"] == sid]
    count: int = row["subscribers"]
    return count


async def eventually(check: Callable[[], Any], within: float = 5) -> None:
    """Wait until the (sync or async) check returns true; fail after `within` seconds."""
    deadline = time.monotonic() + within
    while True:
        result = check()
        if asyncio.iscoroutine(result):
            result = await result
        if result:
            return
        assert time.monotonic() < deadline, "condition not met in time"
        await asyncio.sleep(0.02)


# --- tickets and authentication -------------------------------------------------------------


async def test_ticket_is_issued_with_its_lifetime(client: httpx.AsyncClient) -> None:
    token = await register(client, "a@example.com")
    response = await client.post("/logs/ticket", headers=bearer(token))
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"ticket", "expires_in"}
    assert body["expires_in"] == 30
    assert isinstance(body["ticket"], str)
    assert len(body["ticket"]) >= 32
    assert body["ticket"] != await ticket_for(client, token)


async def test_ticket_requires_a_session(client: httpx.AsyncClient) -> None:
    assert (await client.post("/logs/ticket")).status_code == 401
    assert (await client.post("/logs/ticket", headers=bearer("nonsense"))).status_code == 401


async def test_ticket_opens_an_event_stream(client: httpx.AsyncClient) -> None:
    token = await register(client, "a@example.com")
    ticket = await ticket_for(client, token)
    async with client.stream("GET", "/logs", params={"ticket": ticket}) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        assert response.headers["cache-control"] == "no-store"


async def test_ticket_is_single_use(client: httpx.AsyncClient) -> None:
    token = await register(client, "a@example.com")
    ticket = await ticket_for(client, token)
    async with open_stream(client, ticket=ticket):
        assert await logs_status(client, ticket=ticket) == 401
    assert await logs_status(client, ticket=ticket) == 401


async def test_ticket_expires_after_30_seconds(
    client: httpx.AsyncClient, clock: ManualClock
) -> None:
    token = await register(client, "a@example.com")
    ticket = await ticket_for(client, token)
    clock.advance(31)
    assert await logs_status(client, ticket=ticket) == 401
    # The session itself is still fine: a fresh ticket works.
    async with open_stream(client, ticket=await ticket_for(client, token)):
        pass


async def test_ticket_is_valid_just_before_it_expires(
    client: httpx.AsyncClient, clock: ManualClock
) -> None:
    token = await register(client, "a@example.com")
    ticket = await ticket_for(client, token)
    clock.advance(29)
    async with open_stream(client, ticket=ticket):
        pass


async def test_ticket_dies_with_its_session(client: httpx.AsyncClient) -> None:
    token = await register(client, "a@example.com")
    other = await login(client, "a@example.com")
    ticket = await ticket_for(client, token)
    other_ticket = await ticket_for(client, other)
    assert (await client.post("/logout", headers=bearer(token))).status_code == 200
    assert await logs_status(client, ticket=ticket) == 401
    # A ticket of the user's other, still open, session is unaffected.
    async with open_stream(client, ticket=other_ticket):
        pass


async def test_made_up_ticket_is_refused(client: httpx.AsyncClient) -> None:
    await register(client, "a@example.com")
    assert await logs_status(client, ticket="made-up-ticket") == 401
    assert await logs_status(client, ticket="A" * 43) == 401


async def test_no_ticket_and_no_token_is_refused(client: httpx.AsyncClient) -> None:
    assert await logs_status(client) == 401


async def test_invalid_bearer_token_is_refused(client: httpx.AsyncClient) -> None:
    assert await logs_status(client, token="not-a-jwt") == 401


async def test_bearer_token_of_ended_session_is_refused(client: httpx.AsyncClient) -> None:
    token = await register(client, "a@example.com")
    assert (await client.post("/logout", headers=bearer(token))).status_code == 200
    assert await logs_status(client, token=token) == 401


async def test_bearer_header_opens_a_stream(server: LiveServer, client: httpx.AsyncClient) -> None:
    token = await register(client, "a@example.com")
    user_id = await user_id_of(server, "a@example.com")
    async with open_stream(client, token=token) as stream:
        await server.services.bus.publish(user_id, Event(kind="log", message="hello"))
        event = await stream.next()
    assert event["message"] == "hello"
    assert event["kind"] == "log"


# --- events of a run ------------------------------------------------------------------------


async def test_stream_shows_a_runs_progress(server: LiveServer, client: httpx.AsyncClient) -> None:
    token = await register(client, "a@example.com")
    put_postings(server)
    async with open_stream(client, ticket=await ticket_for(client, token)) as stream:
        run_id = await start_run(client, token, ["engineer", "python"])
        events = await read_run(stream)

    for event in events:
        assert set(event) == EVENT_KEYS
        assert event["run_id"] == run_id
        assert isinstance(event["ts"], str)
        assert event["level"] in {"debug", "info", "warning", "error"}
        assert isinstance(event["message"], str)
        assert isinstance(event["data"], dict)

    first, last = events[0], events[-1]
    assert first["kind"] == "run_state"
    assert first["data"]["status"] == "running"
    assert last["kind"] == "run_state"
    assert last["data"]["status"] == "succeeded"
    assert last["level"] == "info"
    assert set(last["data"]) >= COUNT_KEYS
    assert last["data"]["new"] > 0

    progress = [event for event in events if event["kind"] == "progress"]
    assert [event["data"]["percent"] for event in progress] == [50, 100]
    assert [event["data"]["searches_done"] for event in progress] == [1, 2]
    for event in progress:
        assert event["data"]["searches_total"] == 2
        assert set(event["data"]) >= COUNT_KEYS
    found = [event["data"]["links_found"] for event in progress]
    assert found == sorted(found)
    assert found[0] > 0
    assert {key: last["data"][key] for key in COUNT_KEYS} == {
        key: progress[-1]["data"][key] for key in COUNT_KEYS
    }

    run = (await client.get(f"/runs/{run_id}", headers=bearer(token))).json()
    assert run["status"] == "succeeded"


async def test_ticket_and_bearer_streams_both_get_every_event(
    server: LiveServer, client: httpx.AsyncClient
) -> None:
    token = await register(client, "a@example.com")
    put_postings(server)
    async with (
        open_stream(client, ticket=await ticket_for(client, token)) as by_ticket,
        open_stream(client, token=token) as by_bearer,
    ):
        run_id = await start_run(client, token, ["engineer", "python"])
        seen_by_ticket = await read_run(by_ticket)
        seen_by_bearer = await read_run(by_bearer)
    assert seen_by_ticket == seen_by_bearer
    assert {event["run_id"] for event in seen_by_ticket} == {run_id}
    assert [event["kind"] for event in seen_by_ticket] == [
        "run_state",
        "progress",
        "progress",
        "run_state",
    ]


async def test_streams_of_two_sessions_of_a_user_both_get_every_event(
    server: LiveServer, client: httpx.AsyncClient
) -> None:
    first = await register(client, "a@example.com")
    second = await login(client, "a@example.com")
    assert await sid_of(client, first) != await sid_of(client, second)
    put_postings(server)
    async with (
        open_stream(client, ticket=await ticket_for(client, first)) as one,
        open_stream(client, token=second) as two,
    ):
        run_id = await start_run(client, second, ["engineer"])
        seen_by_one = await read_run(one)
        seen_by_two = await read_run(two)
    assert seen_by_one == seen_by_two
    assert {event["run_id"] for event in seen_by_one} == {run_id}
    assert seen_by_one[-1]["data"]["status"] == "succeeded"


async def test_other_users_stream_sees_nothing_of_a_run(
    server: LiveServer, client: httpx.AsyncClient
) -> None:
    alice = await register(client, "alice@example.com")
    bob = await register(client, "bob@example.com")
    alice_id = await user_id_of(server, "alice@example.com")
    put_postings(server)
    async with (
        open_stream(client, ticket=await ticket_for(client, alice)) as alices,
        open_stream(client, token=bob) as bobs,
    ):
        alices_run = await start_run(client, alice, ["engineer", "python"])
        seen = await read_run(alices)
        assert seen[-1]["data"]["status"] == "succeeded"
        await asyncio.sleep(QUIET)  # time for a leaked event to reach Bob's stream

        # Bob's first event is his own: nothing of Alice's run was queued for him.
        bobs_run = await start_run(client, bob, ["engineer"])
        first = await bobs.next()
        assert first["run_id"] == bobs_run
        assert first["kind"] == "run_state"
        assert first["data"]["status"] == "running"
        rest = await read_run(bobs)
        assert {event["run_id"] for event in rest} == {bobs_run}
        assert alices_run != bobs_run
        # ... and Alice's stream saw nothing of Bob's run.
        await assert_quiet(server, alices, alice_id)


async def test_bus_events_reach_only_their_user(
    server: LiveServer, client: httpx.AsyncClient
) -> None:
    alice = await register(client, "alice@example.com")
    bob = await register(client, "bob@example.com")
    alice_id = await user_id_of(server, "alice@example.com")
    bob_id = await user_id_of(server, "bob@example.com")
    async with open_stream(client, token=alice) as alices, open_stream(client, token=bob) as bobs:
        await server.services.bus.publish(alice_id, Event(kind="log", message="for alice"))
        await server.services.bus.publish(bob_id, Event(kind="log", message="for bob"))
        assert (await alices.next())["message"] == "for alice"
        assert (await bobs.next())["message"] == "for bob"
        await assert_quiet(server, alices, alice_id)
        await assert_quiet(server, bobs, bob_id, within=0)


# --- back-pressure ----------------------------------------------------------------------------


async def test_slow_reader_loses_oldest_events_and_is_told(
    make_server: ServerFactory,
) -> None:
    server = await make_server(log_queue_size=5)
    async with server.client() as client:
        token = await register(client, "slow@example.com")
        user_id = await user_id_of(server, "slow@example.com")
        async with open_stream(client, token=token) as stream:
            started = time.monotonic()
            async with asyncio.timeout(2):
                for number in range(50):
                    await server.services.bus.publish(
                        user_id, Event(kind="log", message=f"event {number}", data={"n": number})
                    )
            assert time.monotonic() - started < 1, "publishing waited for the reader"

            warning = await stream.next()
            assert warning["kind"] == "log"
            assert warning["level"] == "warning"
            assert warning["data"] == {"dropped": 45}
            assert "45" in warning["message"]
            newest = [await stream.next() for _ in range(5)]
            assert [event["data"]["n"] for event in newest] == [45, 46, 47, 48, 49]
            # Nothing more, and the drop is reported once: the next event is a new one.
            await assert_quiet(server, stream, user_id)


# --- ending streams -----------------------------------------------------------------------------


async def test_disconnected_stream_is_removed_at_once(
    server: LiveServer, client: httpx.AsyncClient
) -> None:
    admin = await register_admin(server, client, "admin@example.com")
    token = await register(client, "a@example.com")
    user_id = await user_id_of(server, "a@example.com")
    sid = await sid_of(client, token)
    bus = server.services.bus
    assert bus.subscriber_count(user_id) == 0

    async with open_stream(client, ticket=await ticket_for(client, token)):
        assert bus.subscriber_count(user_id) == 1
        assert await admin_subscribers(client, admin, sid) == 1
    # Leaving the block closes the client's connection.
    await eventually(lambda: bus.subscriber_count(user_id) == 0, within=3)
    assert await admin_subscribers(client, admin, sid) == 0

    # The stream's session is unaffected and can open another.
    async with open_stream(client, token=token):
        assert bus.subscriber_count(user_id) == 1
    await eventually(lambda: bus.subscriber_count(user_id) == 0, within=3)


async def test_one_disconnect_leaves_the_users_other_streams(
    server: LiveServer, client: httpx.AsyncClient
) -> None:
    token = await register(client, "a@example.com")
    user_id = await user_id_of(server, "a@example.com")
    bus = server.services.bus
    async with open_stream(client, token=token) as staying:
        async with open_stream(client, token=token):
            assert bus.subscriber_count(user_id) == 2
        await eventually(lambda: bus.subscriber_count(user_id) == 1, within=3)
        await bus.publish(user_id, Event(kind="log", message="still here"))
        assert (await staying.next())["message"] == "still here"


async def test_logout_ends_the_sessions_streams(
    server: LiveServer, client: httpx.AsyncClient
) -> None:
    token = await register(client, "a@example.com")
    other = await login(client, "a@example.com")
    user_id = await user_id_of(server, "a@example.com")
    async with (
        open_stream(client, ticket=await ticket_for(client, token)) as by_ticket,
        open_stream(client, token=token) as by_bearer,
        open_stream(client, token=other) as other_session,
    ):
        assert server.services.bus.subscriber_count(user_id) == 3
        assert (await client.post("/logout", headers=bearer(token))).status_code == 200
        assert await by_ticket.ended()
        assert await by_bearer.ended()
        assert server.services.bus.subscriber_count(user_id) == 1
        # The user's other session keeps its stream.
        await server.services.bus.publish(user_id, Event(kind="log", message="still open"))
        assert (await other_session.next())["message"] == "still open"
    assert await logs_status(client, token=token) == 401


async def test_admin_ending_a_session_ends_its_stream(
    server: LiveServer, client: httpx.AsyncClient
) -> None:
    admin = await register_admin(server, client, "admin@example.com")
    token = await register(client, "a@example.com")
    user_id = await user_id_of(server, "a@example.com")
    sid = await sid_of(client, token)
    async with open_stream(client, ticket=await ticket_for(client, token)) as stream:
        assert await admin_subscribers(client, admin, sid) == 1
        response = await client.delete(f"/admin/sessions/{sid}", headers=bearer(admin))
        assert response.status_code == 200, response.text
        assert await stream.ended()
    assert server.services.bus.subscriber_count(user_id) == 0
    assert await logs_status(client, token=token) == 401
    assert (await client.delete(f"/admin/sessions/{sid}", headers=bearer(admin))).status_code == 404


async def test_non_admin_cannot_end_a_stream(server: LiveServer, client: httpx.AsyncClient) -> None:
    token = await register(client, "a@example.com")
    intruder = await register(client, "b@example.com")
    sid = await sid_of(client, token)
    user_id = await user_id_of(server, "a@example.com")
    async with open_stream(client, token=token) as stream:
        response = await client.delete(f"/admin/sessions/{sid}", headers=bearer(intruder))
        assert response.status_code == 403
        await server.services.bus.publish(user_id, Event(kind="log", message="alive"))
        assert (await stream.next())["message"] == "alive"


# --- heartbeats ---------------------------------------------------------------------------------


async def test_idle_stream_receives_heartbeats(make_server: ServerFactory) -> None:
    server = await make_server(log_heartbeat_interval=1)
    async with server.client() as client:
        token = await register(client, "a@example.com")
        async with client.stream("GET", "/logs", headers=bearer(token)) as response:
            assert response.status_code == 200
            lines = response.aiter_lines()

            async def next_comment() -> str:
                async for line in lines:
                    if line.startswith(":"):
                        return line
                raise EOFError("stream ended")

            first = await asyncio.wait_for(next_comment(), 2.5)
            assert first.startswith(": ping")
            second = await asyncio.wait_for(next_comment(), 2.5)
            assert second.startswith(": ping")


async def test_heartbeats_do_not_disturb_events(make_server: ServerFactory) -> None:
    server = await make_server(log_heartbeat_interval=1)
    async with server.client() as client:
        token = await register(client, "a@example.com")
        user_id = await user_id_of(server, "a@example.com")
        async with open_stream(client, token=token) as stream:
            await asyncio.sleep(1.5)
            await server.services.bus.publish(user_id, Event(kind="log", message="after a ping"))
            assert (await stream.next())["message"] == "after a ping"
