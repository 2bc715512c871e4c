"""`SessionManager`: the policy over a `SessionStore`.

It opens sessions at login (new sid each time, limits applied), resolves them on every request
(found by its strategy, expiry checked, use recorded, the user's workspace handed back),
closes them at logout, sweeps the expired ones, and gives admins a view with measured memory.
What a token means, a stored record or the token itself, is the `SessionStrategy`'s.
Workspaces are per user, held by a `WorkspaceSource` (the process's workspace pool) that the
manager tells when sessions end, here or (through the session cache's invalidation channel)
on any other process; the manager keeps only each session's open stream subscriptions, keyed
by sid.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from dreamjobsearch.clock import Clock
from dreamjobsearch.config import LimitPolicy
from dreamjobsearch.errors import TooManyRequestsError, UnavailableError
from dreamjobsearch.events.base import EventBus, Subscription
from dreamjobsearch.sessions.invalidation.base import InvalidationChannel
from dreamjobsearch.sessions.memory_usage import deep_size
from dreamjobsearch.sessions.stores.base import SessionRecord, SessionStore
from dreamjobsearch.sessions.strategies.base import SessionKey as SessionKey
from dreamjobsearch.sessions.strategies.base import SessionStrategy
from dreamjobsearch.sessions.strategies.stateful import StatefulStrategy
from dreamjobsearch.sessions.workspaces import WorkspaceSource

logger = logging.getLogger(__name__)

SID_BYTES = 32
SERVER_FULL = "the server has reached its limit of open sessions: try again later"

# The workspace type a session is given: the manager only hands workspaces over (from the
# source the composition root gives it), so it needs nothing of their class.
W = TypeVar("W")


@dataclass(frozen=True, slots=True)
class SessionPolicy:
    """Timeouts and limits, in seconds and counts."""

    idle_timeout: int
    absolute_timeout: int
    max_total: int
    max_per_user: int
    limit_policy: LimitPolicy
    sweep_interval: int


@dataclass(slots=True)
class LiveSession:
    """What a session holds in this process: its open log streams (its workspace is its
    user's, in the workspace source)."""

    subscriptions: set[Subscription] = field(default_factory=set)


@dataclass(frozen=True, slots=True)
class ActiveSession(Generic[W]):
    """A resolved, unexpired session, its workspace, and the key it was resolved from."""

    record: SessionRecord
    workspace: W
    key: SessionKey


@dataclass(frozen=True, slots=True)
class SessionView:
    """One row of the admin monitor."""

    sid: str
    user_id: int
    email: str
    created_at: float
    last_accessed: float
    expires_at: float
    device: str
    subscribers: int
    memory_bytes: int


@dataclass(frozen=True, slots=True)
class SessionStats:
    """The admin monitor: totals and one row per session."""

    active_users: int
    total_sessions: int
    memory_bytes: int
    sessions: list[SessionView]


class SessionManager(Generic[W]):
    """Owns session policy; the store only persists records, the strategy finds them."""

    def __init__(
        self,
        store: SessionStore,
        policy: SessionPolicy,
        clock: Clock,
        bus: EventBus,
        workspaces: WorkspaceSource[W],
        shared: tuple[object, ...] = (),
        strategy: SessionStrategy | None = None,
        endings: InvalidationChannel | None = None,
    ) -> None:
        """`endings`: the channel that broadcasts every session ended on any process (the
        session cache's); what those sessions hold here is then released too, so a user's
        workspace goes when their last session ends wherever it ends. Without one (the
        memory store, or no cache), only endings in this process are seen."""
        self._store = store
        self._policy = policy
        self._clock = clock
        self._bus = bus
        self._workspaces = workspaces
        self._shared = shared
        # Stateful unless told otherwise: a session is the record the store keeps.
        self._strategy = strategy or StatefulStrategy(store, policy.idle_timeout)
        self._idle_timeout: float = self._strategy.idle_timeout
        # Sessions with open streams, by sid (logging out closes them); no entry otherwise.
        self._live: dict[str, LiveSession] = {}
        self._open_lock = asyncio.Lock()
        self._sweeper: asyncio.Task[None] | None = None
        if endings is not None:
            endings.subscribe(_ReleaseEnded(self._release))

    async def open(self, user_id: int, email: str, device: str = "") -> SessionRecord:
        """Open a new session for a user who just proved who they are.

        Applies the per-user limit first: the user's own oldest sessions are ended, or the
        login is refused with `TooManyRequestsError`, as the policy says. At the server-wide
        limit the login is refused (`UnavailableError`) whatever the policy: one user's
        login never ends another user's session.
        """
        async with self._open_lock:
            await self._make_room(user_id)
            now = self._clock.now()
            record = SessionRecord(
                # Hex: a session id never starts with '-', so it can be given to the CLI.
                sid=secrets.token_hex(SID_BYTES),
                user_id=user_id,
                email=email,
                created_at=now,
                last_accessed=now,
                expires_at=now + self._policy.absolute_timeout,
                device=device,
            )
            await self._store.create(record)
            # The user's workspace is made (or found) now, so the login's warm-up fills it.
            self._workspaces.acquire(user_id, email, record.sid)
        logger.info("session opened for user %s (%s)", user_id, short_sid(record.sid))
        return record

    async def ensure_capacity(self) -> None:
        """Refuse early (`UnavailableError`) when no new session could be opened.

        Registration asks first, so that a refused sign-up does not leave an account behind.
        """
        max_total = self._policy.max_total
        if await self._store.count() >= max_total:
            await self.sweep()
            if await self._store.count() >= max_total:
                raise self._server_full(None)

    async def resolve(self, key: SessionKey) -> ActiveSession[W] | None:
        """The live session for a request, or None when it ended or expired.

        Records the use (sliding the idle timeout, where the strategy records uses) and
        returns the user's workspace: the same object for every session of the user in this
        process while it is held, whatever the strategy.
        """
        sid = key.sid
        now = self._clock.now()
        record = await self._strategy.find(key, now)
        if record is None:
            return None
        if record.is_expired(now, self._idle_timeout):
            await self.close(sid)
            return None
        await self._strategy.record_use(record, now)
        workspace = self._workspaces.acquire(record.user_id, record.email, sid)
        return ActiveSession(record, workspace=workspace, key=key)

    async def is_alive(self, key: SessionKey) -> bool:
        """Whether the session still exists and has not expired (does not count as a use).

        Open streams ask this now and then, so a logout on another process ends them too.
        """
        return await self._strategy.is_alive(key, self._clock.now())

    async def sessions_of(self, user_id: int) -> list[SessionRecord]:
        """A user's live sessions, most recently used first."""
        now = self._clock.now()
        records = await self._store.list(user_id)
        live = [r for r in records if not r.is_expired(now, self._idle_timeout)]
        return sorted(live, key=lambda record: record.last_accessed, reverse=True)

    async def close(self, sid: str) -> bool:
        """End a session: forget the record, close its streams, and release its user's
        workspace if it was their last session here."""
        removed = await self._store.delete(sid)
        self._release(sid)
        if removed:
            logger.info("session closed (%s)", short_sid(sid))
        return removed

    async def close_own(self, user_id: int, sid: str) -> bool:
        """End one of the user's own sessions; False when they have no such session."""
        record = await self._store.get(sid)
        if record is None or record.user_id != user_id:
            return False
        return await self.close(sid)

    async def close_others(self, user_id: int, keep_sid: str) -> int:
        """End every session of the user except `keep_sid`; returns how many ended."""
        ended = 0
        for record in await self._store.list(user_id):
            if record.sid != keep_sid and await self.close(record.sid):
                ended += 1
        return ended

    async def close_user(self, user_id: int) -> int:
        """End every session of a user."""
        sids = await self._store.delete_user(user_id)
        for sid in sids:
            self._release(sid)
        self._workspaces.end_user(user_id)
        return len(sids)

    async def sweep(self) -> int:
        """Remove expired sessions; returns how many sessions ended."""
        now = self._clock.now()
        expired = await self._store.purge_expired(now, self._idle_timeout)
        for sid in expired:
            self._release(sid)
        if expired:
            logger.info("sweeper ended %d expired sessions", len(expired))
        return len(expired)

    def start_sweeper(self) -> None:
        """Run `sweep` every `sweep_interval` seconds in the background."""
        if self._sweeper is None:
            self._sweeper = asyncio.create_task(self._sweep_forever(), name="session-sweeper")

    async def stop_sweeper(self) -> None:
        """Stop the background sweeper."""
        if self._sweeper is not None:
            self._sweeper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._sweeper
            self._sweeper = None

    async def shutdown(self) -> None:
        """Stop sweeping and close every open stream (the process is stopping)."""
        await self.stop_sweeper()
        for sid in list(self._live):
            self._release(sid)

    def subscribe(self, key: SessionKey) -> Subscription:
        """Open a log stream owned by the session; it closes when the session ends."""
        subscription = self._bus.subscribe(key.user_id)
        self._live.setdefault(key.sid, LiveSession()).subscriptions.add(subscription)
        return subscription

    def unsubscribe(self, sid: str, subscription: Subscription) -> None:
        """Close a log stream (its client went away)."""
        self._bus.unsubscribe(subscription)
        live = self._live.get(sid)
        if live is not None:
            live.subscriptions.discard(subscription)
            if not live.subscriptions:
                del self._live[sid]

    async def stats(self) -> SessionStats:
        """Every session with its times, streams and measured memory."""
        records = await self._store.list()
        now = self._clock.now()
        views = []
        for record in records:
            if record.is_expired(now, self._idle_timeout):
                continue
            live = self._live.get(record.sid)
            views.append(
                SessionView(
                    sid=record.sid,
                    user_id=record.user_id,
                    email=record.email,
                    created_at=record.created_at,
                    last_accessed=record.last_accessed,
                    expires_at=record.expires_at,
                    device=record.device,
                    subscribers=len(live.subscriptions) if live else 0,
                    memory_bytes=deep_size([record, live], exclude=self._shared),
                )
            )
        views.sort(key=lambda view: view.last_accessed, reverse=True)
        return SessionStats(
            active_users=len({view.user_id for view in views}),
            total_sessions=len(views),
            memory_bytes=deep_size([records, self._live], exclude=self._shared),
            sessions=views,
        )

    async def _make_room(self, user_id: int) -> None:
        policy = self._policy
        if (
            await self._store.count(user_id) >= policy.max_per_user
            or await self._store.count() >= policy.max_total
        ):
            await self.sweep()  # expired sessions must not count against the limits
        user_excess = await self._store.count(user_id) - policy.max_per_user + 1
        if user_excess > 0:
            if policy.limit_policy is LimitPolicy.REFUSE:
                raise TooManyRequestsError(
                    f"you already have {policy.max_per_user} sessions open, the most allowed: "
                    "log out of one first"
                )
            for record in sorted(await self._store.list(user_id), key=_created)[:user_excess]:
                await self.close(record.sid)
        if await self._store.count() >= policy.max_total:
            raise self._server_full(user_id)

    def _server_full(self, user_id: int | None) -> UnavailableError:
        """The refusal at the server-wide limit, logged: other users' sessions are never
        ended to make room, so the operator should know when people are turned away."""
        who = "a new account" if user_id is None else f"user {user_id}"
        logger.warning(
            "login refused for %s: %d sessions open, the most allowed (SESSION_MAX_TOTAL)",
            who,
            self._policy.max_total,
        )
        # Expired sessions leave at the next sweep: a fair time to try again.
        return UnavailableError(SERVER_FULL, retry_after=self._policy.sweep_interval)

    def _release(self, sid: str) -> None:
        self._workspaces.end_session(sid)
        live = self._live.pop(sid, None)
        if live is None:
            return
        for subscription in live.subscriptions:
            self._bus.unsubscribe(subscription)

    async def _sweep_forever(self) -> None:
        while True:
            await asyncio.sleep(self._policy.sweep_interval)
            try:
                await self.sweep()
            except Exception:
                logger.exception("session sweep failed; retrying at the next interval")


class _ReleaseEnded:
    """`InvalidationListener` that releases here what sessions ended anywhere held (their
    streams, their share of the user's workspace). An ending of this process's own arrives
    too, after it was released: releasing again does nothing."""

    __slots__ = ("_release",)

    def __init__(self, release: Callable[[str], None]) -> None:
        self._release = release

    def invalidate(self, sids: Iterable[str]) -> None:
        """These sessions ended: release each."""
        for sid in sids:
            self._release(sid)

    def clear(self) -> None:
        """Nothing to release: endings missed while the channel was down leave workspaces
        held until the memory budget evicts them, never wrong (each request checks what it
        uses against the database) and never serving an ended session (the cache refuses
        it)."""


def _created(record: SessionRecord) -> float:
    return record.created_at


def short_sid(sid: str) -> str:
    """A short, non-reversible tag for a session id, safe to put in logs."""
    return hashlib.sha256(sid.encode()).hexdigest()[:10]
