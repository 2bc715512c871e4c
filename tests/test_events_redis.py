"""Events across processes through the real Redis: a stream on one API process receives what
a run on another publishes, and nothing of other users."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from conftest import ServerFactory, SettingsFactory
from redis.asyncio import Redis
from services_available import REDIS_URL
from support import bearer, open_stream, put_file, register

from dreamjobsearch.events.base import Event
from dreamjobsearch.events.redis import RedisEventBus

# Needs the real Redis or PostgreSQL (tests/services_available.py).
pytestmark = pytest.mark.services

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


@pytest.fixture
async def two_buses(prefix: str) -> AsyncIterator[tuple[RedisEventBus, RedisEventBus]]:
    """Two buses on one Redis, as two processes would have."""
    clients = [Redis.from_url(REDIS_URL), Redis.from_url(REDIS_URL)]
    buses = [RedisEventBus(client, prefix, queue_size=100) for client in clients]
    for bus in buses:
        await bus.start()
    yield buses[0], buses[1]
    for bus, client in zip(buses, clients, strict=True):
        await bus.aclose()
        await client.aclose()


async def test_an_event_published_anywhere_reaches_the_users_streams_everywhere(
    two_buses: tuple[RedisEventBus, RedisEventBus],
) -> None:
    here, there = two_buses
    alice_here = here.subscribe(1)
    alice_there = there.subscribe(1)
    bob_here = here.subscribe(2)
    await there.publish(1, Event(kind="log", message="for alice", run_id="r1", data={"n": 1}))
    for subscription in (alice_here, alice_there):
        event = await asyncio.wait_for(subscription.get(), 5)
        assert event is not None
        assert (event.kind, event.message, event.run_id, event.data) == (
            "log",
            "for alice",
            "r1",
            {"n": 1},
        )
    # Bob's next event is his own: nothing of Alice's reached him.
    await here.publish(2, Event(kind="log", message="for bob"))
    event = await asyncio.wait_for(bob_here.get(), 5)
    assert event is not None
    assert event.message == "for bob"


async def test_publishing_while_redis_is_away_drops_the_event_without_failing(
    caplog: pytest.LogCaptureFixture,
) -> None:
    client = Redis.from_url("redis://127.0.0.1:9", socket_connect_timeout=1)
    bus = RedisEventBus(client, "nowhere:", queue_size=10)
    with caplog.at_level(logging.WARNING):
        await bus.publish(1, Event(kind="log", message="lost"))
    assert "dropped" in caplog.text
    await client.aclose()


@pytest.mark.slow
async def test_a_bus_that_cannot_reach_redis_refuses_to_start_clearly() -> None:
    client = Redis.from_url("redis://127.0.0.1:9", socket_connect_timeout=0.2)
    bus = RedisEventBus(client, "nowhere:", queue_size=10)
    with pytest.raises(RuntimeError, match="REDIS_URL"):
        await bus.start()
    await client.aclose()


async def test_a_stream_on_one_server_follows_a_run_started_on_another(
    make_server: ServerFactory, make_settings: SettingsFactory, prefix: str
) -> None:
    settings = make_settings(session_store="redis", redis_url=REDIS_URL, redis_prefix=prefix)
    first = await make_server(settings)
    second = await make_server(settings)
    sample = (EXAMPLES / "postings.json").read_bytes()
    async with first.client() as on_first, second.client() as on_second:
        token = await register(on_first, "ada@example.com")
        await put_file(on_first, bearer(token), "feed.json", sample)
        other = await register(on_first, "bob@example.com")
        # The token of a session opened on the first server works on the second.
        assert (await on_second.get("/auth/status", headers=bearer(token))).status_code == 200
        async with (
            open_stream(on_first, token=token) as stream,
            open_stream(on_first, token=other) as bobs,
        ):
            started = await on_second.post(
                "/update-database",
                json={"queries": ["engineer"], "sources": [{"type": "file", "path": "feed.json"}]},
                headers=bearer(token),
            )
            assert started.status_code == 202
            run_id = started.json()["run_id"]
            progress = await stream.until(lambda event: event["kind"] == "progress")
            assert progress["run_id"] == run_id
            final = await stream.until(
                lambda event: (
                    event["kind"] == "run_state" and event["data"]["status"] == "succeeded"
                )
            )
            assert final["data"]["new"] > 0
            # Bob's stream saw none of it: his first event is his own.
            user = await first.services.users.by_email("bob@example.com")
            assert user is not None
            await second.services.bus.publish(user.id, Event(kind="log", message="bob's"))
            assert (await bobs.next())["message"] == "bob's"
        # Logging out on the second server ends the session on the first at once.
        assert (await on_second.post("/logout", headers=bearer(token))).status_code == 200
        assert (await on_first.get("/auth/status", headers=bearer(token))).status_code == 401


async def test_a_logout_on_one_server_ends_the_sessions_streams_on_another(
    make_server: ServerFactory, make_settings: SettingsFactory, prefix: str
) -> None:
    settings = make_settings(
        session_store="redis",
        redis_url=REDIS_URL,
        redis_prefix=prefix,
        log_heartbeat_interval=1,
    )
    first = await make_server(settings)
    second = await make_server(settings)
    async with first.client() as on_first, second.client() as on_second:
        token = await register(on_first, "ada@example.com")
        async with open_stream(on_first, token=token) as stream:
            assert (await on_second.post("/logout", headers=bearer(token))).status_code == 200
            assert await stream.ended(within=3)
