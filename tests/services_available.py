"""Reaching the real PostgreSQL of the machine for tests, or skipping with a clear reason.

With DREAMJOB_REQUIRE_SERVICES=1 (CI) a missing service fails the test instead of skipping.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
import pytest
from sqlalchemy.engine import make_url

POSTGRES_URL = os.environ.get(
    "DREAMJOB_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"
)


def unavailable(what: str, error: Exception) -> None:
    """Skip (or, when services are required, fail) because `what` cannot be reached."""
    message = f"{what} is not reachable ({error.__class__.__name__}: {error})"
    if os.environ.get("DREAMJOB_REQUIRE_SERVICES") == "1":
        pytest.fail(f"{message}; DREAMJOB_REQUIRE_SERVICES=1 requires it")
    pytest.skip(f"{message}; set DREAMJOB_TEST_POSTGRES_URL to run these tests")


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
