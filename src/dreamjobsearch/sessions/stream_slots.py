"""Caps on open log streams: per session, per user and in the whole process.

Each open stream holds a connection, a descriptor and an event queue until its client goes
away, so an account that opens streams without end would starve everyone else. The counts
live in this process: the caps bound what one server process holds.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from dreamjobsearch.errors import TooManyRequestsError

# Seconds a refused client is told to wait: streams end when their clients go away, which
# the server notices at once, so a slot may be free again soon.
RETRY_AFTER = 10


@dataclass(frozen=True, slots=True)
class StreamLimits:
    """How many streams may be open at once for one session, one user and the process."""

    per_session: int
    per_user: int
    total: int


class StreamSlot:
    """One open stream's place under the caps; `release` gives it back (again: no effect)."""

    def __init__(self, slots: StreamSlots, sid: str, user_id: int) -> None:
        self._slots = slots
        self._sid = sid
        self._user_id = user_id
        self._held = True

    def release(self) -> None:
        """Give the place back; safe to call from every path that may end the stream."""
        if self._held:
            self._held = False
            self._slots._give_back(self._sid, self._user_id)


class StreamSlots:
    """Counts open streams and refuses one more past any cap with a 429 error."""

    def __init__(self, limits: StreamLimits) -> None:
        self._limits = limits
        self._by_session: Counter[str] = Counter()
        self._by_user: Counter[int] = Counter()
        self._total = 0

    @property
    def open_streams(self) -> int:
        """Streams open in this process now."""
        return self._total

    def take(self, sid: str, user_id: int) -> StreamSlot:
        """A place for one more stream of this session; TooManyRequestsError past a cap."""
        if self._by_session[sid] >= self._limits.per_session:
            raise _refused(f"at most {self._limits.per_session} open log streams per session")
        if self._by_user[user_id] >= self._limits.per_user:
            raise _refused(f"at most {self._limits.per_user} open log streams per user")
        if self._total >= self._limits.total:
            raise _refused("the server has reached its limit of open log streams")
        self._by_session[sid] += 1
        self._by_user[user_id] += 1
        self._total += 1
        return StreamSlot(self, sid, user_id)

    def _give_back(self, sid: str, user_id: int) -> None:
        self._by_session[sid] -= 1
        if self._by_session[sid] <= 0:
            del self._by_session[sid]  # no empty entry per session ever seen
        self._by_user[user_id] -= 1
        if self._by_user[user_id] <= 0:
            del self._by_user[user_id]
        self._total -= 1


def _refused(reason: str) -> TooManyRequestsError:
    return TooManyRequestsError(f"{reason}: close one and try again", retry_after=RETRY_AFTER)
