"""The denylist in the database (`revoked_sessions`): shared by every process on it."""

from __future__ import annotations

from sqlalchemy import bindparam, delete, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from dreamjobsearch.storage.models import RevokedSession

_IS_REVOKED = select(RevokedSession.sid).where(RevokedSession.sid == bindparam("sid"))


class DatabaseDenylist:
    """`Denylist` over the `revoked_sessions` table; the check is one primary-key lookup."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def revoke(self, sid: str, until: float, now: float) -> None:
        """Add the session (again: ending it twice keeps the later deadline)."""
        if until <= now:
            return
        try:
            async with self._engine.begin() as connection:
                await connection.execute(insert(RevokedSession).values(sid=sid, expires_at=until))
        except IntegrityError:
            async with self._engine.begin() as connection:
                await connection.execute(
                    update(RevokedSession)
                    .where(RevokedSession.sid == sid, RevokedSession.expires_at < until)
                    .values(expires_at=until)
                )

    async def is_revoked(self, sid: str) -> bool:
        """Whether the session is listed (a request's check: one statement, no ORM)."""
        async with self._engine.connect() as connection:
            return (await connection.execute(_IS_REVOKED, {"sid": sid})).first() is not None

    async def purge(self, now: float) -> int:
        """Delete the entries whose tokens have expired."""
        async with self._engine.begin() as connection:
            result = await connection.execute(
                delete(RevokedSession)
                .where(RevokedSession.expires_at <= now)
                .returning(RevokedSession.sid)
            )
            return len(result.all())
