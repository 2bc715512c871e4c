"""Saved searches: each user's, and the due ones the scheduler claims."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select, update

from dreamjobsearch.storage.db import Database
from dreamjobsearch.storage.models import SavedSearch, utcnow


class SavedSearchRepository:
    """Reads and writes `saved_searches`; every read but `claim_due` is scoped to its user."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def create(
        self, user_id: int, name: str, spec: dict[str, Any], next_run_at: datetime
    ) -> SavedSearch:
        """Record a new saved search, due at `next_run_at`."""
        now = utcnow()
        row = SavedSearch(
            user_id=user_id,
            name=name,
            spec=spec,
            next_run_at=next_run_at,
            created_at=now,
            updated_at=now,
        )
        async with self._db() as session:
            session.add(row)
            await session.commit()
            await session.refresh(row)
        return row

    async def get(self, user_id: int, search_id: int) -> SavedSearch | None:
        """The user's saved search with this id; another user's is None."""
        async with self._db() as session:
            result = await session.execute(
                select(SavedSearch).where(
                    SavedSearch.id == search_id, SavedSearch.user_id == user_id
                )
            )
            return result.scalar_one_or_none()

    async def list_for_user(self, user_id: int) -> list[SavedSearch]:
        """The user's saved searches, oldest first (the order they were made in)."""
        async with self._db() as session:
            result = await session.execute(
                select(SavedSearch).where(SavedSearch.user_id == user_id).order_by(SavedSearch.id)
            )
            return list(result.scalars())

    async def count_for_user(self, user_id: int) -> int:
        """How many saved searches the user has."""
        async with self._db() as session:
            result = await session.execute(
                select(func.count()).select_from(SavedSearch).where(SavedSearch.user_id == user_id)
            )
            return int(result.scalar_one())

    async def replace(
        self, user_id: int, search_id: int, name: str, spec: dict[str, Any], next_run_at: datetime
    ) -> bool:
        """Store an edited search; False when the user has none with this id."""
        return await self._update(
            user_id, search_id, name=name, spec=spec, next_run_at=next_run_at, updated_at=utcnow()
        )

    async def delete(self, user_id: int, search_id: int) -> bool:
        """Delete the user's saved search; False when they have none with this id."""
        async with self._db() as session:
            result = await session.execute(
                delete(SavedSearch).where(
                    SavedSearch.id == search_id, SavedSearch.user_id == user_id
                )
            )
            await session.commit()
            return bool(getattr(result, "rowcount", 0))

    async def claim(self, search: SavedSearch, next_run_at: datetime) -> bool:
        """Move a search's next run from the time it was read with to `next_run_at`, unless
        another process (or an edit) moved it first: whether this caller won the claim."""
        async with self._db() as session:
            result = await session.execute(
                update(SavedSearch)
                .where(SavedSearch.id == search.id, SavedSearch.next_run_at == search.next_run_at)
                .values(next_run_at=next_run_at)
            )
            await session.commit()
            return bool(getattr(result, "rowcount", 0))

    async def due(self, now: datetime, limit: int) -> list[SavedSearch]:
        """Every user's searches due at `now`, the longest overdue first."""
        async with self._db() as session:
            result = await session.execute(
                select(SavedSearch)
                .where(SavedSearch.next_run_at <= now)
                .order_by(SavedSearch.next_run_at)
                .limit(limit)
            )
            return list(result.scalars())

    async def record_start(
        self, user_id: int, search_id: int, run_id: str | None, error: str | None, at: datetime
    ) -> None:
        """Note the run a search started at `at`, or why it could not start one."""
        values: dict[str, Any] = {"last_error": error}
        if run_id is not None:
            values.update(last_run_id=run_id, last_run_at=at)
        await self._update(user_id, search_id, **values)

    async def _update(self, user_id: int, search_id: int, **values: Any) -> bool:
        async with self._db() as session:
            result = await session.execute(
                update(SavedSearch)
                .where(SavedSearch.id == search_id, SavedSearch.user_id == user_id)
                .values(**values)
            )
            await session.commit()
            return bool(getattr(result, "rowcount", 0))
