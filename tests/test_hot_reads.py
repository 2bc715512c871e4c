"""Reads of the request path that skip the ORM session (`storage/hot_reads.py`) give back
exactly what was written, at once, on SQLite and on PostgreSQL."""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from conftest import SettingsFactory
from services_available import fresh_postgres_database

from dreamjobsearch.services import Services, build_services
from dreamjobsearch.storage.account_facts import AccountFactsCache
from dreamjobsearch.storage.db import create_engine, database
from dreamjobsearch.storage.models import Base
from dreamjobsearch.storage.tracking import TrackingState
from dreamjobsearch.storage.users import UserRepository


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.services)])
def database_url(request: pytest.FixtureRequest) -> Iterator[str | None]:
    """SQLite in the test's DATA_DIR, or a fresh PostgreSQL database."""
    if request.param == "sqlite":
        yield None
        return
    with fresh_postgres_database() as url:
        yield url


@pytest.fixture
async def services(
    make_settings: SettingsFactory, database_url: str | None
) -> AsyncIterator[Services]:
    built = await build_services(make_settings(database_url=database_url))
    yield built
    await built.aclose()


async def test_saved_lists_and_last_visit_read_back_as_written(services: Services) -> None:
    tracking = services.workspace_services.tracking
    user = await services.users.create("reader@example.com", "hash")
    assert await tracking.state(user.id) == TrackingState()

    seen = datetime(2026, 12, 5, 13, 30, 15, 250_000, tzinfo=timezone(timedelta(hours=2)))
    await tracking.save_keywords(user.id, ["Python", "C++", "machine learning", "Zürich"])
    await tracking.save_blocked_companies(user.id, ["Acme"])
    await tracking.save_last_seen(user.id, seen)
    state = await tracking.state(user.id)
    assert state.keywords == ("Python", "C++", "machine learning", "Zürich")
    assert state.blocked_companies == ("Acme",)
    assert state.last_seen_at == seen
    assert state.last_seen_at is not None
    assert state.last_seen_at.tzinfo == UTC

    await tracking.save_keywords(user.id, [])
    assert (await tracking.state(user.id)).keywords == ()


async def test_the_admin_flag_and_the_account_are_read_fresh(services: Services) -> None:
    users = services.users
    user = await users.create("admin@example.com", "hash")
    assert await users.is_admin(user.id) is False
    assert await users.active_email(user.id) == "admin@example.com"

    assert await users.set_admin("admin@example.com", True)
    assert await users.is_admin(user.id) is True
    assert await users.set_active(user.id, False)
    assert await users.is_admin(user.id) is False  # a disabled admin is no admin
    assert await users.active_email(user.id) is None
    assert await users.set_active(user.id, True)
    assert await users.is_admin(user.id) is True
    assert await users.set_admin("admin@example.com", False)
    assert await users.is_admin(user.id) is False

    assert await users.is_admin(user.id + 1000) is False
    assert await users.active_email(user.id + 1000) is None


async def test_many_reads_at_once_return_their_connections_cleanly(
    services: Services, caplog: pytest.LogCaptureFixture
) -> None:
    """More reads at once than the pool keeps: the extra connections are closed on return
    without an error, and every read answers."""
    user = await services.users.create("busy@example.com", "hash")
    await services.users.set_admin("busy@example.com", True)
    with caplog.at_level(logging.ERROR):
        for _ in range(3):
            answers = await asyncio.gather(*(services.users.is_admin(user.id) for _ in range(40)))
            assert answers == [True] * 40
    assert [record.getMessage() for record in caplog.records] == []


async def test_an_in_memory_database_is_read_on_its_own_connection() -> None:
    """An in-memory SQLite database cannot be opened a second time: its hot reads go
    through the engine's own connection and still see what was written."""
    engine = create_engine("sqlite:///:memory:")
    try:
        async with engine.begin() as connection:
            await connection.run_sync(Base.metadata.create_all)
        users = UserRepository(database(engine))
        user = await users.create("memory@example.com", "hash")
        assert await users.active_email(user.id) == "memory@example.com"
        assert await users.set_admin("memory@example.com", True)
        assert await users.is_admin(user.id) is True
    finally:
        await engine.dispose()


def reader_threads() -> int:
    """Hot-read threads alive in this process."""
    return sum(thread.name.startswith("sqlite-hot-reads") for thread in threading.enumerate())


async def test_the_sqlite_reader_goes_with_its_engine_and_comes_back_when_used_again(
    tmp_path: Path,
) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'reader.db'}")
    async with engine.begin() as connection:
        await connection.run_sync(Base.metadata.create_all)
    users = UserRepository(database(engine), AccountFactsCache(size=0))
    user = await users.create("reader@example.com", "hash")
    before = reader_threads()
    assert await users.active_email(user.id) == "reader@example.com"
    assert reader_threads() == before + 1

    await engine.dispose()
    deadline = time.monotonic() + 5
    while reader_threads() > before:
        assert time.monotonic() < deadline, "the reader's thread outlived its engine"
        await asyncio.sleep(0.01)

    assert await users.set_admin("reader@example.com", True)  # the engine, used again
    assert await users.is_admin(user.id) is True
    assert reader_threads() == before + 1
    await engine.dispose()
