"""Tickets in this process's memory: the single-process default (memory session store)."""

from __future__ import annotations

from collections import OrderedDict

from dreamjobsearch.sessions.tickets.base import PendingTicket

MAX_PENDING_TICKETS = 100_000


class MemoryTicketStore:
    """`TicketStore` in a dict; bounded, the oldest pending ticket dropped when full."""

    def __init__(self) -> None:
        self._tickets: OrderedDict[str, PendingTicket] = OrderedDict()

    async def add(self, name: str, ticket: PendingTicket, now: float) -> None:
        """Keep the ticket, after forgetting the expired ones (they are the oldest)."""
        while self._tickets:
            oldest = next(iter(self._tickets.values()))
            if oldest.expires_at > now and len(self._tickets) < MAX_PENDING_TICKETS:
                break
            self._tickets.popitem(last=False)
        self._tickets[name] = ticket

    async def take(self, name: str) -> PendingTicket | None:
        """Remove and return the ticket (one event loop: no other caller can interleave)."""
        return self._tickets.pop(name, None)
