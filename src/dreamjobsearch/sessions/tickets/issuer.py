"""`TicketIssuer`: hands out single-use tickets that open one log stream, and redeems them.

A ticket is bound to the session that asked for it (and so to its user): redeeming it
resolves that session again, so a ticket of a session that ended since is refused.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Awaitable, Callable
from typing import Generic

from dreamjobsearch.clock import Clock
from dreamjobsearch.sessions.manager import ActiveSession, SessionKey, W
from dreamjobsearch.sessions.tickets.base import PendingTicket, TicketStore

TICKET_BYTES = 32

# The session manager's `resolve`: the live session for a key, or None when it ended.
Resolver = Callable[[SessionKey], Awaitable[ActiveSession[W] | None]]


class TicketIssuer(Generic[W]):
    """Issues tickets valid for `ttl` seconds into a `TicketStore`, and redeems them once."""

    def __init__(self, store: TicketStore, resolve: Resolver[W], clock: Clock, ttl: int) -> None:
        self._store = store
        self._resolve = resolve
        self._clock = clock
        self.ttl = ttl

    async def issue(self, key: SessionKey) -> str:
        """A new ticket for this session, valid for `ttl` seconds, once."""
        ticket = secrets.token_urlsafe(TICKET_BYTES)
        now = self._clock.now()
        await self._store.add(_name(ticket), PendingTicket(key, now + self.ttl), now)
        return ticket

    async def redeem(self, ticket: str) -> ActiveSession[W] | None:
        """Use a ticket: its session if the ticket is unused and unexpired and the session is
        still live; the ticket is spent either way."""
        pending = await self._store.take(_name(ticket))
        if pending is None or pending.expires_at <= self._clock.now():
            return None
        return await self._resolve(pending.key)


def _name(ticket: str) -> str:
    """What the store keeps a ticket under: its hash, never the ticket itself."""
    return hashlib.sha256(ticket.encode()).hexdigest()
