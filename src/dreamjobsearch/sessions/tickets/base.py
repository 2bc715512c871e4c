"""The `TicketStore` protocol: where pending log-stream tickets wait to be used.

A ticket is kept under a name (the SHA-256 of the ticket, so a leaked store holds nothing
usable) until it is taken once or expires. The memory store serves one process; the Redis and
database stores share tickets between every process, so a ticket from one opens a stream on
another, and still only once.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from dreamjobsearch.sessions.manager import SessionKey


@dataclass(frozen=True, slots=True)
class PendingTicket:
    """What a ticket grants: a stream for this session's key, until `expires_at`."""

    key: SessionKey
    expires_at: float


class TicketStore(Protocol):
    """Pending tickets by name; taking one removes it for every process at once."""

    async def add(self, name: str, ticket: PendingTicket, now: float) -> None:
        """Keep the ticket under `name` until it expires (`now` lets the store forget old
        ones)."""
        ...

    async def take(self, name: str) -> PendingTicket | None:
        """Remove and return the ticket; of concurrent callers, at most one ever gets it."""
        ...
