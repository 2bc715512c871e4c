"""What the request path asks of an account (its admin flag, whether it is active, its email)
is cached per process: a change this process makes is seen at once, a change another process
makes (the command line, another server) within `MAX_AGE`, and a read that raced a change is
never kept."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from conftest import SettingsFactory
from sqlalchemy.ext.asyncio import AsyncEngine

from dreamjobsearch.storage.account_facts import (
    MAX_AGE,
    NO_ACCOUNT,
    AccountFacts,
    AccountFactsCache,
)
from dreamjobsearch.storage.db import create_engine, database
from dreamjobsearch.storage.migrate import upgrade
from dreamjobsearch.storage.users import UserRepository


class Stopwatch:
    """A monotonic clock the test moves."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
async def database_url(make_settings: SettingsFactory) -> str:
    settings = make_settings()
    settings.ensure_data_dir()
    upgrade(settings.resolved_database_url)
    return settings.resolved_database_url


@pytest.fixture
async def engines(database_url: str) -> AsyncIterator[tuple[AsyncEngine, AsyncEngine]]:
    """Two engines on the database, as two processes have: the server's and another's (the
    command line's)."""
    server_engine, other_engine = create_engine(database_url), create_engine(database_url)
    yield server_engine, other_engine
    await server_engine.dispose()
    await other_engine.dispose()


@pytest.fixture
def two_processes(
    engines: tuple[AsyncEngine, AsyncEngine],
) -> tuple[UserRepository, UserRepository, Stopwatch]:
    """The server's repository (cached, on a clock the test moves) and the other process's."""
    stopwatch = Stopwatch()
    server = UserRepository(database(engines[0]), AccountFactsCache(monotonic=stopwatch))
    return server, UserRepository(database(engines[1])), stopwatch


async def test_a_grant_or_revoke_elsewhere_is_seen_within_the_max_age(
    two_processes: tuple[UserRepository, UserRepository, Stopwatch],
) -> None:
    server, cli, stopwatch = two_processes
    user = await cli.create("ops@example.com", "hash")
    assert await server.is_admin(user.id) is False

    assert await cli.set_admin("ops@example.com", True)
    assert await server.is_admin(user.id) is False  # still the answer read a moment ago
    stopwatch.now += MAX_AGE
    assert await server.is_admin(user.id) is True

    assert await cli.set_admin("ops@example.com", False)
    stopwatch.now += MAX_AGE / 2
    assert await server.is_admin(user.id) is True
    stopwatch.now += MAX_AGE / 2
    assert await server.is_admin(user.id) is False


async def test_a_change_this_process_makes_is_seen_at_once(
    two_processes: tuple[UserRepository, UserRepository, Stopwatch],
) -> None:
    server, _, _ = two_processes
    user = await server.create("ops@example.com", "hash")
    assert await server.facts(user.id) == AccountFacts("ops@example.com", True, False)

    assert await server.set_admin("ops@example.com", True)
    assert await server.is_admin(user.id) is True
    assert await server.set_active(user.id, False)
    assert await server.is_admin(user.id) is False
    assert await server.active_email(user.id) is None
    assert await server.set_active(user.id, True)
    assert await server.active_email(user.id) == "ops@example.com"
    assert await server.delete(user.id)
    assert await server.facts(user.id) == NO_ACCOUNT
    assert await server.is_admin(user.id) is False


async def test_an_account_deleted_elsewhere_answers_nothing_after_the_max_age(
    two_processes: tuple[UserRepository, UserRepository, Stopwatch],
) -> None:
    server, other, stopwatch = two_processes
    user = await other.create("gone@example.com", "hash")
    assert await server.active_email(user.id) == "gone@example.com"
    assert await other.delete(user.id)
    stopwatch.now += MAX_AGE
    assert await server.active_email(user.id) is None


async def test_size_zero_reads_the_database_every_time(
    engines: tuple[AsyncEngine, AsyncEngine],
) -> None:
    server = UserRepository(database(engines[0]), AccountFactsCache(size=0))
    cli = UserRepository(database(engines[1]))
    user = await cli.create("ops@example.com", "hash")
    assert await server.is_admin(user.id) is False
    assert await cli.set_admin("ops@example.com", True)
    assert await server.is_admin(user.id) is True


class SlowDatabase:
    """Answers reads of account facts when the test lets it, counting them."""

    def __init__(self, facts: AccountFacts) -> None:
        self.facts = facts
        self.reads = 0
        self.asked = asyncio.Event()  # set by each read as it starts
        self.go = asyncio.Event()

    async def started(self) -> None:
        """Wait until a read has started (then wait for the next one)."""
        await self.asked.wait()
        self.asked.clear()

    async def read(self) -> AccountFacts:
        self.reads += 1
        self.asked.set()
        answer = self.facts
        await self.go.wait()
        return answer


async def test_a_read_that_raced_a_change_is_not_kept() -> None:
    cache = AccountFactsCache()
    database = SlowDatabase(AccountFacts("ops@example.com", True, True))
    under_way = asyncio.create_task(cache.lookup(7, database.read))
    await database.started()
    cache.forget(7)  # this process revoked the flag while the read was under way
    database.facts = AccountFacts("ops@example.com", True, False)
    after = asyncio.create_task(cache.lookup(7, database.read))  # not the older read
    await database.started()
    database.go.set()
    assert (await under_way).is_admin is True  # it asked before the change
    assert (await after).is_admin is False
    assert database.reads == 2
    assert cache.get(7) == AccountFacts("ops@example.com", True, False)


async def test_misses_at_the_same_moment_share_one_read() -> None:
    cache = AccountFactsCache()
    database = SlowDatabase(AccountFacts("busy@example.com", True, False))
    waiting = [asyncio.create_task(cache.lookup(3, database.read)) for _ in range(50)]
    await database.started()
    waiting[0].cancel()  # one client went away: the others still get their answer
    database.go.set()
    answers = await asyncio.gather(*waiting[1:])
    assert answers == [AccountFacts("busy@example.com", True, False)] * 49
    assert database.reads == 1


async def test_a_failed_read_fails_its_callers_and_is_not_kept() -> None:
    cache = AccountFactsCache()

    async def unreachable() -> AccountFacts:
        raise ConnectionError("database away")

    with pytest.raises(ConnectionError):
        await cache.lookup(5, unreachable)
    database = SlowDatabase(AccountFacts("back@example.com", True, False))
    database.go.set()
    assert (await cache.lookup(5, database.read)).email == "back@example.com"


async def test_the_cache_keeps_the_most_recently_used_accounts() -> None:
    cache = AccountFactsCache(size=2)
    reads: list[int] = []

    async def lookup(user_id: int) -> None:
        async def read() -> AccountFacts:
            reads.append(user_id)
            return AccountFacts(f"{user_id}@example.com", True, False)

        assert (await cache.lookup(user_id, read)).email == f"{user_id}@example.com"

    for user_id in (1, 2, 1, 3):  # after 1 again, 2 is the least recently used
        await lookup(user_id)
    assert cache.get(2) is None
    assert cache.get(1) is not None
    assert cache.get(3) is not None
    await lookup(1)
    assert reads == [1, 2, 3]
