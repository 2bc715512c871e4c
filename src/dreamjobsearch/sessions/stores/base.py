"""The session record and the `SessionStore` protocol that every backend implements."""

from __future__ import annotations

import builtins
from dataclasses import dataclass
from typing import Protocol


@dataclass(slots=True)
class SessionRecord:
    """What a store persists about one session. Times are epoch seconds (UTC)."""

    sid: str
    user_id: int
    email: str
    created_at: float
    last_accessed: float
    expires_at: float
    device: str = ""  # what the login came from ("Firefox on Linux"), for people to read

    def is_expired(self, now: float, idle_timeout: float) -> bool:
        """Whether the session has passed its absolute lifetime or its idle timeout."""
        return now >= self.expires_at or now >= self.last_accessed + idle_timeout


class SessionStore(Protocol):
    """Persists session records; policy (timeouts, limits, live objects) is the manager's."""

    async def create(self, record: SessionRecord) -> None:
        """Store a new session."""
        ...

    async def get(self, sid: str) -> SessionRecord | None:
        """The session with this id, expired or not, if it is stored."""
        ...

    async def touch(self, sid: str, now: float, record: SessionRecord | None = None) -> None:
        """Record a use of the session at `now` (`record`: what the caller just read, so a
        store that rewrites the whole record need not read it again)."""
        ...

    async def delete(self, sid: str) -> bool:
        """Remove a session; False when it was not there."""
        ...

    async def delete_user(self, user_id: int) -> builtins.list[str]:
        """Remove every session of a user; returns their ids."""
        ...

    async def list(
        self, user_id: int | None = None, limit: int | None = None
    ) -> builtins.list[SessionRecord]:
        """Sessions (of one user, or all), least recently used first, at most `limit`."""
        ...

    async def count(self, user_id: int | None = None) -> int:
        """How many sessions are stored (for one user, or in all)."""
        ...

    async def purge_expired(self, now: float, idle_timeout: float) -> builtins.list[str]:
        """Remove every expired session; returns their ids."""
        ...
