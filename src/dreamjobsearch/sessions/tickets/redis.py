"""Tickets in Redis: one key per ticket, expiring with it, taken with `GETDEL`."""

from __future__ import annotations

import json
import math

from redis.asyncio import Redis

from dreamjobsearch.sessions.manager import SessionKey
from dreamjobsearch.sessions.tickets.base import PendingTicket


class RedisTicketStore:
    """`TicketStore` on Redis, shared by every process on it; Redis forgets expired tickets."""

    def __init__(self, redis: Redis, prefix: str) -> None:
        self._redis = redis
        self._prefix = f"{prefix}ticket:"

    async def add(self, name: str, ticket: PendingTicket, now: float) -> None:
        """Set the ticket's key with the ticket's remaining lifetime as its TTL."""
        milliseconds = math.ceil((ticket.expires_at - now) * 1000)
        if milliseconds <= 0:
            return
        key = ticket.key
        value = json.dumps([key.sid, key.user_id, key.issued_at, key.expires_at, ticket.expires_at])
        await self._redis.set(self._prefix + name, value, px=milliseconds)

    async def take(self, name: str) -> PendingTicket | None:
        """`GETDEL`: one atomic command, so only one process ever reads the ticket."""
        value = await self._redis.getdel(self._prefix + name)
        if value is None:
            return None
        sid, user_id, issued_at, token_expires_at, expires_at = json.loads(value)
        return PendingTicket(SessionKey(sid, user_id, issued_at, token_expires_at), expires_at)
