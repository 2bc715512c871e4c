"""One contract for every log-ticket store: memory, database (SQLite and PostgreSQL), Redis.

Each test drives a `TicketIssuer` over the store under test, with a session manager on a
manual clock deciding whether the ticket's session is still live. The shared stores are also
checked as two processes would use them: two store objects on the same backend.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from redis.asyncio import Redis
from services_available import REDIS_URL, fresh_postgres_database, fresh_redis_prefix
from sqlalchemy import select
from support import ManualClock

from dreamjobsearch.config import LimitPolicy
from dreamjobsearch.events.memory import MemoryEventBus
from dreamjobsearch.sessions.manager import SessionKey, SessionManager, SessionPolicy
from dreamjobsearch.sessions.stores.memory import MemorySessionStore
from dreamjobsearch.sessions.tickets.base import TicketStore
from dreamjobsearch.sessions.tickets.database import DatabaseTicketStore
from dreamjobsearch.sessions.tickets.issuer import TicketIssuer
from dreamjobsearch.sessions.tickets.memory import MemoryTicketStore
from dreamjobsearch.sessions.tickets.redis import RedisTicketStore
from dreamjobsearch.storage.db import create_engine
from dreamjobsearch.storage.migrate import upgrade
from dreamjobsearch.storage.models import LogTicket

TTL = 30
SHARED_STORES = [
    "sqlite",
    pytest.param("postgresql", marks=pytest.mark.services),
    pytest.param("redis", marks=pytest.mark.services),
]
STORES = ["memory", *SHARED_STORES]

redis_prefix = asynccontextmanager(fresh_redis_prefix)


@dataclass
class Backend:
    """A backend under test: `new_store()` is one more process's view of it."""

    kind: str
    new_store: Callable[[], TicketStore]
    # What the backend holds right now: one text per key or row.
    contents: Callable[[], Awaitable[list[str]]]


@pytest.fixture(params=STORES)
async def backend(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Backend]:
    """A fresh backing for ticket stores."""
    kind: str = request.param
    if kind == "memory":
        store = MemoryTicketStore()
        yield Backend(kind, lambda: store, lambda: _nothing())
    elif kind == "redis":
        async with redis_prefix() as prefix:
            client = Redis.from_url(REDIS_URL)
            try:

                async def keys() -> list[str]:
                    return [key.decode() async for key in client.scan_iter(match=f"{prefix}*")]

                yield Backend(kind, lambda: RedisTicketStore(client, prefix), keys)
            finally:
                await client.aclose()
    elif kind == "sqlite":
        async with _database(kind, f"sqlite:///{tmp_path / 'tickets.db'}") as found:
            yield found
    else:
        with fresh_postgres_database() as url:
            async with _database(kind, url) as found:
                yield found


async def _nothing() -> list[str]:
    return []


@asynccontextmanager
async def _database(kind: str, url: str) -> AsyncIterator[Backend]:
    await asyncio.to_thread(upgrade, url)
    engine = create_engine(url)

    async def rows() -> list[str]:
        async with engine.connect() as connection:
            result = await connection.execute(select(LogTicket.__table__))
            return [str(row) for row in result.all()]

    try:
        yield Backend(kind, lambda: DatabaseTicketStore(engine), rows)
    finally:
        await engine.dispose()


class EmailAsWorkspace:
    """A workspace source whose workspace is the user's email (tickets need no more)."""

    def acquire(self, user_id: int, email: str, sid: str | None = None) -> str:
        return email

    def end_session(self, sid: str) -> None:
        pass

    def end_user(self, user_id: int) -> None:
        pass


class Sessions:
    """A session manager on a manual clock, standing in for whichever store sessions use."""

    def __init__(self, clock: ManualClock) -> None:
        policy = SessionPolicy(
            idle_timeout=3600,
            absolute_timeout=7200,
            max_total=100,
            max_per_user=10,
            limit_policy=LimitPolicy.EVICT_OLDEST,
            sweep_interval=60,
        )
        self.manager: SessionManager[str] = SessionManager(
            MemorySessionStore(), policy, clock, MemoryEventBus(10), EmailAsWorkspace()
        )

    async def open(self, user_id: int) -> SessionKey:
        """A new session's key, as its token would present it."""
        record = await self.manager.open(user_id, f"user{user_id}@example.com")
        return SessionKey(record.sid, user_id, issued_at=record.created_at, expires_at=math.inf)


@pytest.fixture
def sessions(clock: ManualClock) -> Sessions:
    return Sessions(clock)


def issuer(store: TicketStore, sessions: Sessions, clock: ManualClock) -> TicketIssuer[str]:
    return TicketIssuer(store, sessions.manager.resolve, clock, TTL)


async def test_a_ticket_opens_its_session_once(
    backend: Backend, sessions: Sessions, clock: ManualClock
) -> None:
    tickets = issuer(backend.new_store(), sessions, clock)
    key = await sessions.open(1)
    ticket = await tickets.issue(key)
    other = await tickets.issue(key)
    assert ticket != other
    active = await tickets.redeem(ticket)
    assert active is not None
    assert (active.key.sid, active.record.user_id) == (key.sid, 1)
    assert await tickets.redeem(ticket) is None
    assert await tickets.redeem(other) is not None
    assert await tickets.redeem("made-up") is None


async def test_a_ticket_expires_after_its_lifetime(
    backend: Backend, sessions: Sessions, clock: ManualClock
) -> None:
    tickets = issuer(backend.new_store(), sessions, clock)
    key = await sessions.open(1)
    early, late = await tickets.issue(key), await tickets.issue(key)
    clock.advance(TTL - 1)
    assert await tickets.redeem(early) is not None
    clock.advance(1)
    assert await tickets.redeem(late) is None
    # The session itself is fine: a new ticket works.
    assert await tickets.redeem(await tickets.issue(key)) is not None


async def test_a_ticket_of_a_logged_out_session_is_refused(
    backend: Backend, sessions: Sessions, clock: ManualClock
) -> None:
    tickets = issuer(backend.new_store(), sessions, clock)
    gone, kept = await sessions.open(1), await sessions.open(1)
    gone_ticket, kept_ticket = await tickets.issue(gone), await tickets.issue(kept)
    await sessions.manager.close(gone.sid)
    assert await tickets.redeem(gone_ticket) is None
    assert await tickets.redeem(kept_ticket) is not None


async def test_a_ticket_is_bound_to_its_user(
    backend: Backend, sessions: Sessions, clock: ManualClock
) -> None:
    tickets = issuer(backend.new_store(), sessions, clock)
    key = await sessions.open(1)
    # A ticket naming the session but another user (as a forged key would) opens nothing.
    forged = SessionKey(key.sid, 2, key.issued_at, key.expires_at)
    assert await tickets.redeem(await tickets.issue(forged)) is None


async def test_concurrent_redeems_of_one_ticket_give_one_stream(
    backend: Backend, sessions: Sessions, clock: ManualClock
) -> None:
    tickets = issuer(backend.new_store(), sessions, clock)
    ticket = await tickets.issue(await sessions.open(1))
    results = await asyncio.gather(*(tickets.redeem(ticket) for _ in range(10)))
    assert sum(result is not None for result in results) == 1


async def test_the_store_never_holds_the_ticket_itself(
    backend: Backend, sessions: Sessions, clock: ManualClock
) -> None:
    tickets = issuer(backend.new_store(), sessions, clock)
    ticket = await tickets.issue(await sessions.open(1))
    assert not any(ticket in held for held in await backend.contents())


@pytest.mark.parametrize("backend", SHARED_STORES, indirect=True)
async def test_a_ticket_from_one_process_is_used_once_on_another(
    backend: Backend, sessions: Sessions, clock: ManualClock
) -> None:
    on_a = issuer(backend.new_store(), sessions, clock)
    on_b = issuer(backend.new_store(), sessions, clock)
    ticket = await on_a.issue(await sessions.open(1))
    assert await on_b.redeem(ticket) is not None
    assert await on_a.redeem(ticket) is None
    assert await on_b.redeem(ticket) is None


@pytest.mark.services
async def test_redis_forgets_a_ticket_when_it_expires(
    sessions: Sessions, clock: ManualClock
) -> None:
    async with redis_prefix() as prefix:
        client = Redis.from_url(REDIS_URL)
        try:
            tickets = issuer(RedisTicketStore(client, prefix), sessions, clock)
            await tickets.issue(await sessions.open(1))
            [key] = [key async for key in client.scan_iter(match=f"{prefix}ticket:*")]
            assert 0 < await client.pttl(key) <= TTL * 1000
        finally:
            await client.aclose()


async def test_the_database_forgets_expired_tickets_as_new_ones_come(
    tmp_path: Path, sessions: Sessions, clock: ManualClock
) -> None:
    async with _database("sqlite", f"sqlite:///{tmp_path / 'tickets.db'}") as found:
        tickets = issuer(found.new_store(), sessions, clock)
        key = await sessions.open(1)
        for _ in range(3):
            await tickets.issue(key)
        clock.advance(TTL)
        await tickets.issue(key)
        assert len(await found.contents()) == 1
