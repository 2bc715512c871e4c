"""Tickets in the database (`log_tickets`), for the database and lazy session stores without
Redis: shared by every process on the database, taken with one `DELETE ... RETURNING`."""

from __future__ import annotations

from sqlalchemy import delete, insert
from sqlalchemy.ext.asyncio import AsyncEngine

from dreamjobsearch.sessions.manager import SessionKey
from dreamjobsearch.sessions.tickets.base import PendingTicket
from dreamjobsearch.storage.models import LogTicket


class DatabaseTicketStore:
    """`TicketStore` over the `log_tickets` table."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def add(self, name: str, ticket: PendingTicket, now: float) -> None:
        """Insert the ticket, and delete the expired ones in the same transaction (tickets
        are few and short-lived, so this keeps the table small without a sweeper)."""
        key = ticket.key
        async with self._engine.begin() as connection:
            await connection.execute(delete(LogTicket).where(LogTicket.expires_at <= now))
            await connection.execute(
                insert(LogTicket).values(
                    name=name,
                    sid=key.sid,
                    user_id=key.user_id,
                    issued_at=key.issued_at,
                    token_expires_at=key.expires_at,
                    expires_at=ticket.expires_at,
                )
            )

    async def take(self, name: str) -> PendingTicket | None:
        """Delete the row and return it: a concurrent delete of the same row returns
        nothing, so the ticket is used once on every database."""
        statement = (
            delete(LogTicket)
            .where(LogTicket.name == name)
            .returning(
                LogTicket.sid,
                LogTicket.user_id,
                LogTicket.issued_at,
                LogTicket.token_expires_at,
                LogTicket.expires_at,
            )
        )
        async with self._engine.begin() as connection:
            row = (await connection.execute(statement)).first()
        if row is None:
            return None
        sid, user_id, issued_at, token_expires_at, expires_at = row
        return PendingTicket(SessionKey(sid, user_id, issued_at, token_expires_at), expires_at)
