"""The denylist in the database (`revoked_sessions`): shared by every process on it."""

from __future__ import annotations

from sqlalchemy import bindparam, delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from dreamjobsearch.storage.models import RevokedSession

_IS_REVOKED = select(RevokedSession.sid).where(RevokedSession.sid == bindparam("sid"))


class DatabaseDenylist:
    """`Denylist` over the `revoked_sessions` table; the check is one primary-key lookup."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def revoke(self, sid: str, until: float, now: float) -> None:
        """Add the session (again: ending it twice keeps the later deadline)."""
        if until <= now:
            return
        try:
            async with self._sessions() as session, session.begin():
                session.add(RevokedSession(sid=sid, expires_at=until))
        except IntegrityError:
            async with self._sessions() as session, session.begin():
                row = await session.get(RevokedSession, sid)
                if row is not None:
                    row.expires_at = max(row.expires_at, until)

    async def is_revoked(self, sid: str) -> bool:
        """Whether the session is listed."""
        async with self._sessions() as session:
            return (await session.execute(_IS_REVOKED, {"sid": sid})).first() is not None

    async def purge(self, now: float) -> int:
        """Delete the entries whose tokens have expired."""
        async with self._sessions() as session, session.begin():
            result = await session.execute(
                delete(RevokedSession)
                .where(RevokedSession.expires_at <= now)
                .returning(RevokedSession.sid)
            )
            return len(result.all())
