"""User accounts."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from dreamjobsearch.storage.models import User


class EmailTakenError(Exception):
    """An account with this email already exists."""


class UserRepository:
    """Reads and writes `users`; emails are stored lower-cased."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def create(self, email: str, password_hash: str) -> User:
        """Create an account; raises `EmailTakenError` when the email is in use."""
        user = User(email=email.lower(), password_hash=password_hash, workspace_config={})
        async with self._sessions() as session:
            session.add(user)
            try:
                await session.commit()
            except IntegrityError as error:
                raise EmailTakenError(email) from error
        return user

    async def by_email(self, email: str) -> User | None:
        """The account with this email (case-insensitive), if any."""
        async with self._sessions() as session:
            result = await session.execute(select(User).where(User.email == email.lower()))
            return result.scalar_one_or_none()

    async def by_id(self, user_id: int) -> User | None:
        """The account with this id, if any."""
        async with self._sessions() as session:
            return await session.get(User, user_id)
