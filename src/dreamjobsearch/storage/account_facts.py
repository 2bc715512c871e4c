"""`AccountFactsCache`: what the request path asks of an account, read at most once a second.

Nearly every request asks something of the caller's account: whether it has the admin flag
(`/auth/status`, every page's header, every admin route) and, for stateless (`lazy`)
sessions, whether it is still active and its email. Each is one indexed row, but reading it
costs a trip to the database (on SQLite a hop to aiosqlite's thread and back) that was most
of an authenticated request's cost. The facts change rarely and are cached here, per
process, for `max_age` seconds:

- a change this process makes (`UserRepository`'s writes) is seen at once: the entry goes;
- a change made elsewhere (`dreamjob admin grant|revoke` from the command line, another
  server process) is seen within `max_age`. Disabling or deleting an account also ends its
  sessions, which every process refuses at once (the session caches' invalidation channel),
  so a stale "active" never lets a request through.

Account ids are never given again (see `User`), so an entry can only ever describe its own
account. A read that was under way while this process changed an account is not cached
(it may predate the change): the version is taken before the read and checked after. When
an entry runs out under load, the requests that miss it together share one read (`lookup`)
instead of each queueing its own.
"""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

# Seconds a cached answer is trusted: how long a grant or revoke made by another process
# may take to be seen here.
MAX_AGE = 1.0
DEFAULT_SIZE = 10_000


@dataclass(frozen=True, slots=True)
class AccountFacts:
    """The account's email and flags, as the request path needs them."""

    email: str
    is_active: bool
    is_admin: bool


# What a missing account (an id nobody has, or a deleted account) answers: no email, not
# active, no admin.
NO_ACCOUNT = AccountFacts(email="", is_active=False, is_admin=False)


@dataclass(frozen=True, slots=True)
class _Entry:
    facts: AccountFacts
    read_at: float


class AccountFactsCache:
    """Facts by account id, least recently used dropped beyond `size`, each trusted for
    `max_age` seconds of `monotonic`. A `size` of 0 caches nothing."""

    def __init__(
        self,
        size: int = DEFAULT_SIZE,
        max_age: float = MAX_AGE,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._size = size
        self._max_age = max_age
        self._monotonic = monotonic
        self._entries: OrderedDict[int, _Entry] = OrderedDict()
        self._version = 0
        # Reads under way, by account: later misses wait for the same one.
        self._reads: dict[int, asyncio.Future[AccountFacts]] = {}

    async def lookup(
        self, user_id: int, read: Callable[[], Awaitable[AccountFacts]]
    ) -> AccountFacts:
        """The cached facts, else what `read` (the database) answers, then cached; misses
        of one account at the same time share one `read`."""
        cached = self.get(user_id)
        if cached is not None:
            return cached
        pending = self._reads.get(user_id)
        if pending is None:
            pending = self._reads[user_id] = asyncio.ensure_future(self._read(user_id, read))
            pending.add_done_callback(lambda done: self._read_done(user_id, done))
        # A caller that gives up (its client went away) leaves the read to the others.
        return await asyncio.shield(pending)

    async def _read(
        self, user_id: int, read: Callable[[], Awaitable[AccountFacts]]
    ) -> AccountFacts:
        version = self._version
        facts = await read()
        self._put(user_id, facts, version)
        return facts

    def _read_done(self, user_id: int, done: asyncio.Future[AccountFacts]) -> None:
        if self._reads.get(user_id) is done:
            del self._reads[user_id]
        if not done.cancelled():
            done.exception()  # seen here, so a failure nobody awaited any more is not reported

    def get(self, user_id: int) -> AccountFacts | None:
        """The facts read less than `max_age` ago, if any."""
        entry = self._entries.get(user_id)
        if entry is None:
            return None
        if self._monotonic() - entry.read_at >= self._max_age:
            del self._entries[user_id]
            return None
        self._entries.move_to_end(user_id)
        return entry.facts

    def _put(self, user_id: int, facts: AccountFacts, version: int) -> None:
        """Cache what the database said, unless this process changed an account since
        `version` was taken."""
        if version != self._version or self._size == 0:
            return
        self._entries[user_id] = _Entry(facts, self._monotonic())
        self._entries.move_to_end(user_id)
        if len(self._entries) > self._size:
            self._entries.popitem(last=False)

    def forget(self, user_id: int) -> None:
        """This process changed the account: its entry goes, and a read under way is not
        shared with later requests (it may predate the change)."""
        self._version += 1
        self._entries.pop(user_id, None)
        self._reads.pop(user_id, None)
