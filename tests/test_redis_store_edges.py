"""Edges of the Redis session store: a touch racing a logout, and sessions whose keys
Redis expired before the sweeper came by."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import pytest
from redis.asyncio import Redis
from services_available import REDIS_URL, fresh_redis_prefix

from dreamjobsearch.sessions.stores.base import SessionRecord
from dreamjobsearch.sessions.stores.redis import RedisSessionStore

# Needs the real Redis or PostgreSQL (tests/services_available.py).
pytestmark = pytest.mark.services


@pytest.fixture
async def store() -> AsyncIterator[RedisSessionStore]:
    """A store on the real Redis under a prefix of this test's own."""
    async for prefix in fresh_redis_prefix():
        client = Redis.from_url(REDIS_URL)
        yield RedisSessionStore(client, idle_timeout=1, touch_interval=0, prefix=prefix)
        await client.aclose()


def _record(sid: str, now: float) -> SessionRecord:
    return SessionRecord(sid, 7, "ada@example.com", now, now, now + 3600)


async def test_a_touch_racing_a_logout_leaves_no_ghost_session(store: RedisSessionStore) -> None:
    now = time.time()
    record = _record("raced", now)
    await store.create(record)
    await store.delete("raced")
    await store.touch("raced", now + 0.1, record)  # read before the delete, written after
    assert await store.get("raced") is None
    assert await store.count() == 0
    assert await store.list() == []


async def test_the_sweeper_still_reports_sessions_whose_keys_redis_expired(
    store: RedisSessionStore,
) -> None:
    now = time.time()
    await store.create(_record("short", now))  # idle timeout 1 s: the key lives 1 s
    deadline = time.monotonic() + 5
    while await store.get("short") is not None:
        assert time.monotonic() < deadline, "Redis did not expire the key"
        await asyncio.sleep(0.1)
    assert await store.count() == 0  # left out of counts at once
    assert await store.purge_expired(time.time(), 1) == ["short"]  # and still swept
    assert await store.list(7) == []
