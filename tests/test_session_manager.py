"""SessionManager over a MemorySessionStore, driven by a ManualClock (no HTTP)."""

from __future__ import annotations

import math
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any, cast

import pytest
from support import ManualClock

from dreamjobsearch.config import LimitPolicy
from dreamjobsearch.errors import TooManyRequestsError, UnavailableError
from dreamjobsearch.events.memory import MemoryEventBus
from dreamjobsearch.search.cache import RankingCache
from dreamjobsearch.sessions.manager import SessionKey, SessionManager, SessionPolicy
from dreamjobsearch.sessions.stores.memory import MemorySessionStore
from dreamjobsearch.workspace import WorkspaceServices
from dreamjobsearch.workspace_pool import WorkspacePool

# Stands in for the repositories/runner every workspace shares: these tests use only the
# ranking cache the pool fills.
SHARED = cast(WorkspaceServices, SimpleNamespace(rankings=RankingCache()))


class Harness:
    """A manager, its store and bus, and the workspace pool it takes workspaces from."""

    def __init__(self, clock: ManualClock, **policy: Any) -> None:
        values: dict[str, Any] = {
            "idle_timeout": 60,
            "absolute_timeout": 600,
            "max_total": 100,
            "max_per_user": 10,
            "limit_policy": LimitPolicy.EVICT_OLDEST,
            "sweep_interval": 60,
        }
        values.update(policy)
        self.clock = clock
        self.store = MemorySessionStore()
        self.bus = MemoryEventBus(10)
        self.pool = WorkspacePool(SHARED, budget_bytes=2**30)
        self.manager = SessionManager(
            self.store,
            SessionPolicy(**values),
            clock,
            self.bus,
            self.pool,
            shared=(SHARED, self.pool),
        )

    def held(self) -> dict[int, int]:
        """The users whose workspace the pool holds, with how many sessions use it."""
        return {row.user_id: row.sessions for row in self.pool.usage().workspaces}

    async def alive(self, sid: str, user_id: int) -> bool:
        return await self.manager.resolve(key(sid, user_id)) is not None


def key(sid: str, user_id: int) -> SessionKey:
    """What a token for this session would present (its own expiry plays no part here)."""
    return SessionKey(sid, user_id, issued_at=0, expires_at=math.inf)


@pytest.fixture
def make(clock: ManualClock) -> Callable[..., Harness]:
    def build(**policy: Any) -> Harness:
        return Harness(clock, **policy)

    return build


# --- open / resolve / close -------------------------------------------------------------


async def test_open_gives_a_new_session_each_time_sharing_the_users_workspace(
    make: Callable[..., Harness],
) -> None:
    h = make()
    first = await h.manager.open(1, "a@example.com")
    second = await h.manager.open(1, "a@example.com")
    other = await h.manager.open(2, "b@example.com")
    assert first.sid != second.sid
    assert len(first.sid) >= 40  # 32 random bytes, URL-safe
    assert await h.store.count(1) == 2
    assert h.held() == {1: 2, 2: 1}  # made at login, one per user
    one = await h.manager.resolve(key(first.sid, 1))
    two = await h.manager.resolve(key(second.sid, 1))
    theirs = await h.manager.resolve(key(other.sid, 2))
    assert one is not None
    assert two is not None
    assert theirs is not None
    assert one.workspace is two.workspace
    assert theirs.workspace is not one.workspace
    assert one.workspace.email == "a@example.com"
    assert one.workspace.user_id == 1
    assert theirs.workspace.user_id == 2


async def test_resolve_returns_the_same_workspace_and_records_the_use(
    make: Callable[..., Harness], clock: ManualClock
) -> None:
    h = make()
    record = await h.manager.open(7, "u@example.com")
    opened_at = clock.now()
    clock.advance(10)
    first = await h.manager.resolve(key(record.sid, 7))
    second = await h.manager.resolve(key(record.sid, 7))
    assert first is not None
    assert second is not None
    assert first.workspace is second.workspace
    assert second.record.sid == record.sid
    assert second.record.created_at == opened_at
    assert second.record.last_accessed == opened_at + 10
    assert second.record.expires_at == opened_at + 600


async def test_resolve_refuses_unknown_sid_and_other_users(make: Callable[..., Harness]) -> None:
    h = make()
    record = await h.manager.open(1, "a@example.com")
    assert await h.manager.resolve(key("no-such-session", 1)) is None
    assert await h.manager.resolve(key(record.sid, 2)) is None
    assert await h.alive(record.sid, 1)


async def test_resolve_makes_a_missing_workspace_again(make: Callable[..., Harness]) -> None:
    h = make()
    record = await h.manager.open(3, "c@example.com")
    before = await h.manager.resolve(key(record.sid, 3))
    assert before is not None
    # The pool lets the workspace go (as under its budget); the stored record stays.
    h.pool.end_user(3)
    assert h.held() == {}
    assert await h.store.count() == 1
    after = await h.manager.resolve(key(record.sid, 3))
    again = await h.manager.resolve(key(record.sid, 3))
    assert after is not None
    assert again is not None
    assert after.workspace is not before.workspace
    assert again.workspace is after.workspace
    assert after.workspace.user_id == 3
    assert after.workspace.email == "c@example.com"
    assert h.held() == {3: 1}


async def test_close_ends_the_session_releases_workspace_and_streams(
    make: Callable[..., Harness],
) -> None:
    h = make()
    record = await h.manager.open(1, "a@example.com")
    other = await h.manager.open(1, "a@example.com")
    active = await h.manager.resolve(key(record.sid, 1))
    assert active is not None
    stream = h.manager.subscribe(key(record.sid, 1))
    other_stream = h.manager.subscribe(key(other.sid, 1))
    assert h.held() == {1: 2}

    assert await h.manager.close(record.sid) is True
    assert await h.manager.close(record.sid) is False
    assert await h.manager.resolve(key(record.sid, 1)) is None
    assert stream.closed
    assert await stream.get() is None
    assert await h.alive(other.sid, 1)
    assert not other_stream.closed
    assert h.bus.subscriber_count(1) == 1
    # The user's other session still uses the workspace; it goes with the last one.
    assert h.held() == {1: 1}
    assert await h.manager.close(other.sid) is True
    assert h.held() == {}


async def test_close_user_ends_every_session_of_that_user_only(
    make: Callable[..., Harness],
) -> None:
    h = make()
    mine = [await h.manager.open(1, "a@example.com") for _ in range(3)]
    theirs = await h.manager.open(2, "b@example.com")
    streams = [h.manager.subscribe(key(record.sid, 1)) for record in mine]
    assert await h.manager.close_user(1) == 3
    for record in mine:
        assert await h.manager.resolve(key(record.sid, 1)) is None
    assert all(stream.closed for stream in streams)
    assert await h.alive(theirs.sid, 2)
    assert await h.manager.close_user(1) == 0
    assert await h.store.count() == 1


# --- expiry ----------------------------------------------------------------------------


async def test_idle_timeout_slides_with_each_use(
    make: Callable[..., Harness], clock: ManualClock
) -> None:
    h = make(idle_timeout=60, absolute_timeout=10_000)
    record = await h.manager.open(1, "a@example.com")
    for _ in range(5):
        clock.advance(59)
        assert await h.alive(record.sid, 1)
    clock.advance(60)
    assert not await h.alive(record.sid, 1)
    # An expired session found by a request is ended, not just refused.
    assert await h.store.count() == 0


async def test_idle_timeout_without_use(make: Callable[..., Harness], clock: ManualClock) -> None:
    h = make(idle_timeout=60)
    kept = await h.manager.open(1, "a@example.com")
    dropped = await h.manager.open(2, "b@example.com")
    clock.advance(30)
    assert await h.alive(kept.sid, 1)
    clock.advance(30)
    assert not await h.alive(dropped.sid, 2)
    assert await h.alive(kept.sid, 1)


async def test_absolute_timeout_ends_even_a_busy_session(
    make: Callable[..., Harness], clock: ManualClock
) -> None:
    h = make(idle_timeout=100, absolute_timeout=120)
    record = await h.manager.open(1, "a@example.com")
    assert record.expires_at == record.created_at + 120
    clock.advance(50)
    assert await h.alive(record.sid, 1)
    clock.advance(50)
    assert await h.alive(record.sid, 1)
    clock.advance(19)
    assert await h.alive(record.sid, 1)
    clock.advance(1)
    assert not await h.alive(record.sid, 1)


# --- limits ----------------------------------------------------------------------------


async def test_per_user_limit_evicts_the_oldest(
    make: Callable[..., Harness], clock: ManualClock
) -> None:
    h = make(max_per_user=2)
    first = await h.manager.open(1, "a@example.com")
    clock.advance(1)
    second = await h.manager.open(1, "a@example.com")
    clock.advance(1)
    someone_else = await h.manager.open(2, "b@example.com")
    first_stream = h.manager.subscribe(key(first.sid, 1))
    clock.advance(1)
    third = await h.manager.open(1, "a@example.com")
    assert not await h.alive(first.sid, 1)
    assert first_stream.closed
    assert await h.alive(second.sid, 1)
    assert await h.alive(third.sid, 1)
    assert await h.alive(someone_else.sid, 2)
    assert await h.store.count(1) == 2


async def test_per_user_limit_refuses(make: Callable[..., Harness]) -> None:
    h = make(max_per_user=2, limit_policy=LimitPolicy.REFUSE)
    first = await h.manager.open(1, "a@example.com")
    second = await h.manager.open(1, "a@example.com")
    with pytest.raises(TooManyRequestsError, match="2 sessions"):
        await h.manager.open(1, "a@example.com")
    assert await h.store.count(1) == 2
    assert h.held() == {1: 2}
    assert await h.alive(first.sid, 1)
    assert await h.alive(second.sid, 1)
    # Other users are not limited by this user's sessions.
    await h.manager.open(2, "b@example.com")
    # Ending one session makes room again.
    await h.manager.close(first.sid)
    await h.manager.open(1, "a@example.com")


async def test_total_limit_never_ends_another_users_session(
    make: Callable[..., Harness], clock: ManualClock, caplog: pytest.LogCaptureFixture
) -> None:
    """With `evict_oldest`, the server-wide cap refuses the login instead of logging
    someone else out; the per-user cap still ends the user's own oldest session."""
    h = make(max_total=3, max_per_user=1, sweep_interval=45)
    records = [await h.manager.open(user, f"u{user}@example.com") for user in (1, 2, 3)]
    clock.advance(1)
    with pytest.raises(UnavailableError, match="limit of open sessions") as refused:
        await h.manager.open(4, "u4@example.com")
    assert refused.value.retry_after == 45
    assert "login refused for user 4" in caplog.text
    assert await h.store.count() == 3
    for user, record in enumerate(records, start=1):
        assert await h.alive(record.sid, user)
    # User 1 at their own cap: their own oldest session makes room.
    again = await h.manager.open(1, "u1@example.com")
    assert await h.alive(again.sid, 1)
    assert not await h.alive(records[0].sid, 1)
    assert await h.alive(records[1].sid, 2)
    assert await h.alive(records[2].sid, 3)


async def test_total_limit_refuses(make: Callable[..., Harness]) -> None:
    h = make(max_total=3, limit_policy=LimitPolicy.REFUSE)
    records = [await h.manager.open(user, f"u{user}@example.com") for user in (1, 2, 3)]
    with pytest.raises(UnavailableError, match="limit of open sessions"):
        await h.manager.open(4, "u4@example.com")
    with pytest.raises(UnavailableError):
        await h.manager.open(1, "u1@example.com")
    assert await h.store.count() == 3
    for user, record in enumerate(records, start=1):
        assert await h.alive(record.sid, user)


async def test_expired_sessions_do_not_count_against_the_limits(
    make: Callable[..., Harness], clock: ManualClock
) -> None:
    """A user whose sessions timed out can log in before the sweeper has run."""
    h = make(max_per_user=2, max_total=3, limit_policy=LimitPolicy.REFUSE, idle_timeout=60)
    for _ in range(2):
        await h.manager.open(1, "a@example.com")
    await h.manager.open(2, "b@example.com")
    clock.advance(61)
    fresh = await h.manager.open(1, "a@example.com")
    assert await h.alive(fresh.sid, 1)
    await h.manager.open(2, "b@example.com")
    await h.manager.open(3, "c@example.com")


# --- sweep -----------------------------------------------------------------------------


async def test_sweep_ends_expired_sessions_and_returns_how_many(
    make: Callable[..., Harness], clock: ManualClock
) -> None:
    h = make(idle_timeout=60, absolute_timeout=100)
    idle = [await h.manager.open(user, f"u{user}@example.com") for user in (1, 2)]
    busy = await h.manager.open(3, "busy@example.com")
    streams = [h.manager.subscribe(key(record.sid, record.user_id)) for record in idle]
    assert await h.manager.sweep() == 0
    clock.advance(30)
    assert await h.alive(busy.sid, 3)
    clock.advance(31)
    assert await h.manager.sweep() == 2
    assert await h.store.count() == 1
    assert all(stream.closed for stream in streams)
    assert h.held() == {3: 1}
    assert await h.manager.sweep() == 0
    # The busy one reaches its absolute lifetime.
    clock.advance(40)
    assert await h.manager.sweep() == 1
    assert await h.store.count() == 0


# --- stats -----------------------------------------------------------------------------


async def test_stats_counts_users_sessions_streams_and_memory(
    make: Callable[..., Harness], clock: ManualClock
) -> None:
    h = make(idle_timeout=60)
    empty = await h.manager.stats()
    assert (empty.active_users, empty.total_sessions, empty.sessions) == (0, 0, [])

    a1 = await h.manager.open(1, "a@example.com")
    clock.advance(1)
    a2 = await h.manager.open(1, "a@example.com")
    clock.advance(1)
    b1 = await h.manager.open(2, "b@example.com")
    h.manager.subscribe(key(a1.sid, 1))
    h.manager.subscribe(key(a1.sid, 1))
    gone = h.manager.subscribe(key(a2.sid, 1))
    h.manager.unsubscribe(a2.sid, gone)
    clock.advance(1)
    assert await h.alive(a1.sid, 1)

    stats = await h.manager.stats()
    assert stats.active_users == 2
    assert stats.total_sessions == 3
    assert [view.sid for view in stats.sessions] == [a1.sid, b1.sid, a2.sid]
    by_sid = {view.sid: view for view in stats.sessions}
    assert by_sid[a1.sid].subscribers == 2
    assert by_sid[a2.sid].subscribers == 0
    assert by_sid[b1.sid].email == "b@example.com"
    assert by_sid[b1.sid].user_id == 2
    assert by_sid[a2.sid].created_at == a2.created_at
    assert by_sid[a2.sid].expires_at == a2.expires_at
    assert by_sid[a1.sid].last_accessed == clock.now()
    assert all(view.memory_bytes > 0 for view in stats.sessions)
    assert stats.memory_bytes > 0

    for user in range(3, 13):
        await h.manager.open(user, f"u{user}@example.com", "Firefox on Linux " * 5)
    bigger = await h.manager.stats()
    assert bigger.total_sessions == 13
    assert bigger.active_users == 12
    assert bigger.memory_bytes > stats.memory_bytes

    # Expired sessions are not shown, even before the sweeper has run.
    clock.advance(58)
    assert await h.alive(b1.sid, 2)
    clock.advance(2)
    later = await h.manager.stats()
    assert [view.sid for view in later.sessions] == [b1.sid]
    assert (later.active_users, later.total_sessions) == (1, 1)
