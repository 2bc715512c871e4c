"""User accounts."""

from __future__ import annotations

from typing import Any

from sqlalchemy import bindparam, delete, select, update
from sqlalchemy.exc import IntegrityError

from dreamjobsearch.storage.account_facts import NO_ACCOUNT, AccountFacts, AccountFactsCache
from dreamjobsearch.storage.db import Database
from dreamjobsearch.storage.hot_reads import HotReads
from dreamjobsearch.storage.models import User


class EmailTakenError(Exception):
    """An account with this email already exists."""


class UserRepository:
    """Reads and writes `users`; emails are stored lower-cased. What the request path asks
    of an account (`active_email`, `is_admin`) comes from `facts`, this process's cache."""

    def __init__(self, db: Database, facts: AccountFactsCache | None = None) -> None:
        self._db = db
        self._hot = HotReads.on(db)
        self._facts = facts if facts is not None else AccountFactsCache()

    async def create(self, email: str, password_hash: str) -> User:
        """Create an account; raises `EmailTakenError` when the email is in use."""
        user = User(email=email.lower(), password_hash=password_hash)
        async with self._db() as session:
            session.add(user)
            try:
                await session.commit()
            except IntegrityError as error:
                raise EmailTakenError(email) from error
        return user

    async def by_email(self, email: str) -> User | None:
        """The account with this email (case-insensitive), if any."""
        async with self._db() as session:
            result = await session.execute(select(User).where(User.email == email.lower()))
            return result.scalar_one_or_none()

    async def by_id(self, user_id: int) -> User | None:
        """The account with this id, if any."""
        async with self._db() as session:
            return await session.get(User, user_id)

    async def active_email(self, user_id: int) -> str | None:
        """The email of an active account, else None (the stateless session store, `lazy`,
        asks on every request)."""
        facts = await self.facts(user_id)
        return facts.email if facts.is_active else None

    async def facts(self, user_id: int) -> AccountFacts:
        """The account's email and flags (`NO_ACCOUNT` when there is none): from this
        process's cache, else one narrow row read without an ORM session (`HotReads`)."""
        # A hit (nearly every request) is answered without a read's closure or a coroutine.
        cached = self._facts.get(user_id)
        if cached is not None:
            return cached
        return await self._facts.lookup(user_id, lambda: self._read_facts(user_id))

    async def _read_facts(self, user_id: int) -> AccountFacts:
        row = await self._hot.first(_FACTS, user_id=user_id)
        if row is None:
            return NO_ACCOUNT
        return AccountFacts(str(row[0]), bool(row[1]), bool(row[2]))

    async def set_password_hash(self, user_id: int, password_hash: str) -> bool:
        """Replace the account's password hash."""
        return await self._update(user_id, password_hash=password_hash)

    async def set_active(self, user_id: int, active: bool) -> bool:
        """Enable or disable the account."""
        try:
            return await self._update(user_id, is_active=active)
        finally:
            self._facts.forget(user_id)

    async def set_admin(self, email: str, admin: bool) -> bool:
        """Grant or revoke admin rights by email; False when there is no such account."""
        changed: int | None = None
        try:
            async with self._db() as session, session.begin():
                row = (
                    await session.execute(
                        update(User)
                        .where(User.email == email.lower())
                        .values(is_admin=admin)
                        .returning(User.id)
                    )
                ).first()
                changed = None if row is None else int(row[0])
            return changed is not None
        finally:
            if changed is not None:
                self._facts.forget(changed)

    async def is_admin(self, user_id: int) -> bool:
        """Whether the account is an active admin (admin checks and `/auth/status` ask on
        every request: see `facts`)."""
        facts = await self.facts(user_id)
        return facts.is_admin and facts.is_active

    async def admins(self) -> list[User]:
        """The accounts with admin rights, by email."""
        async with self._db() as session:
            rows = await session.scalars(select(User).where(User.is_admin).order_by(User.email))
            return list(rows)

    async def delete(self, user_id: int) -> bool:
        """Delete the account and, by cascade, everything that is only theirs."""
        try:
            async with self._db() as session, session.begin():
                result = await session.execute(
                    delete(User).where(User.id == user_id).returning(User.id)
                )
                return result.first() is not None
        finally:
            self._facts.forget(user_id)

    async def page(self, limit: int, offset: int) -> list[User]:
        """Accounts by id."""
        async with self._db() as session:
            rows = await session.scalars(select(User).order_by(User.id).limit(limit).offset(offset))
            return list(rows)

    async def _update(self, user_id: int, **values: Any) -> bool:
        async with self._db() as session, session.begin():
            result = await session.execute(
                update(User).where(User.id == user_id).values(**values).returning(User.id)
            )
            return result.first() is not None


_FACTS = select(User.email, User.is_active, User.is_admin).where(User.id == bindparam("user_id"))
