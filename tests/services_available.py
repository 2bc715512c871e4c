"""Reaching the machine's real PostgreSQL and Redis for tests, or skipping with a clear reason.

With DREAMJOB_REQUIRE_SERVICES=1 (CI) a missing service fails the test instead of skipping.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager

import psycopg
import pytest
from redis.asyncio import Redis
from redis.exceptions import RedisError
from sqlalchemy.engine import make_url

POSTGRES_URL = os.environ.get(
    "DREAMJOB_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"
)


REDIS_URL = os.environ.get("DREAMJOB_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def unavailable(what: str, error: Exception, setting: str = "DREAMJOB_TEST_POSTGRES_URL") -> None:
    """Skip (or, when services are required, fail) because `what` cannot be reached."""
    message = f"{what} is not reachable ({error.__class__.__name__}: {error})"
    if os.environ.get("DREAMJOB_REQUIRE_SERVICES") == "1":
        pytest.fail(f"{message}; DREAMJOB_REQUIRE_SERVICES=1 requires it")
    pytest.skip(f"{message}; set {setting} to run these tests")


async def fresh_redis_prefix() -> AsyncIterator[str]:
    """A key prefix of its own on the real Redis for one test; its keys are deleted after."""
    client = Redis.from_url(REDIS_URL, socket_connect_timeout=5)
    try:
        await client.ping()
    except RedisError as error:
        await client.aclose()
        unavailable(f"Redis at {REDIS_URL}", error, "DREAMJOB_TEST_REDIS_URL")
    prefix = f"dreamjob-test:{uuid.uuid4().hex[:12]}:"
    try:
        yield prefix
    finally:
        keys = [key async for key in client.scan_iter(match=f"{prefix}*")]
        if keys:
            await client.delete(*keys)
        await client.aclose()


@contextmanager
def fresh_postgres_database() -> Iterator[str]:
    """A new, empty PostgreSQL database for one test; dropped afterwards."""
    admin = make_url(POSTGRES_URL)
    conninfo = admin.set(drivername="postgresql").render_as_string(hide_password=False)
    name = f"dreamjob_test_{uuid.uuid4().hex[:12]}"
    try:
        with psycopg.connect(conninfo, autocommit=True, connect_timeout=5) as connection:
            connection.execute(f'CREATE DATABASE "{name}"')
    except psycopg.OperationalError as error:
        unavailable(f"PostgreSQL at {admin.render_as_string()}", error)
    try:
        yield admin.set(drivername="postgresql+psycopg", database=name).render_as_string(
            hide_password=False
        )
    finally:
        with psycopg.connect(conninfo, autocommit=True, connect_timeout=5) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
