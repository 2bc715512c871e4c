"""The key a request presents for its session, and the `SessionStrategy` protocol that turns it
into a session.

A strategy is what a token means; the manager's policy (limits, expiry, ending, the user's
workspace from the process's pool) is the same for both:
- stateful (`StatefulStrategy`): the token names a record the store keeps; each use is
  recorded, so a session also ends after its idle timeout;
- stateless (`StatelessStrategy`, the `lazy` store): the token is the session; only a
  denylist of ended sessions is checked, and uses are not recorded (no idle timeout).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from dreamjobsearch.sessions.stores.base import SessionRecord


@dataclass(frozen=True, slots=True)
class SessionKey:
    """What a request presents for its session: the claims of its token that name it."""

    sid: str
    user_id: int
    issued_at: float
    expires_at: float


class SessionStrategy(Protocol):
    """How a request's key becomes a session."""

    # Seconds without a use after which a session ends (infinite where uses are not recorded).
    idle_timeout: float

    async def find(self, key: SessionKey, now: float) -> SessionRecord | None:
        """The session the key names (expired or not), or None when it ended or is not the
        key's user's."""
        ...

    async def record_use(self, record: SessionRecord, now: float) -> None:
        """Note that the session was used at `now`."""
        ...

    async def is_alive(self, key: SessionKey, now: float) -> bool:
        """Whether the session exists and has not expired (not a use)."""
        ...
