"""Alerts: postings new to a user that matched one of their saved searches."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import cast

from sqlalchemy import Table, func, select, update

from dreamjobsearch.storage.db import Database
from dreamjobsearch.storage.models import Alert, Posting, SavedSearch, utcnow
from dreamjobsearch.storage.sql import insert_ignoring_conflicts

ALERTS = cast(Table, Alert.__table__)


@dataclass(frozen=True, slots=True)
class NewMatch:
    """One posting a run found that matched its saved search."""

    posting_id: int
    score: int
    matched: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class AlertView:
    """An alert as the user reads it: the posting's essentials and why it matched."""

    id: int
    posting_id: int
    title: str
    company: str
    location: str
    link: str
    score: int
    matched: list[str]
    saved_search_id: int | None
    saved_search_name: str | None
    run_id: str
    created_at: datetime
    read_at: datetime | None


@dataclass(frozen=True, slots=True)
class AlertPage:
    """Some of a user's alerts and how many of all their alerts are unread."""

    unread: int
    alerts: list[AlertView]


class AlertRepository:
    """Reads and writes `alerts`, each read scoped to its user."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def add(
        self, user_id: int, saved_search_id: int, run_id: str, matches: Sequence[NewMatch]
    ) -> int:
        """Record the matches as alerts; a posting that alerted the user before is skipped.
        Returns how many alerts are new."""
        if not matches:
            return 0
        now = utcnow()
        rows = [
            {
                "user_id": user_id,
                "posting_id": match.posting_id,
                "saved_search_id": saved_search_id,
                "run_id": run_id,
                "score": match.score,
                "matched": list(match.matched),
                "created_at": now,
            }
            for match in matches
        ]
        async with self._db() as session:
            result = await session.execute(insert_ignoring_conflicts(session, ALERTS), rows)
            await session.commit()
            return int(getattr(result, "rowcount", 0) or 0)

    async def page(self, user_id: int, limit: int, run_id: str | None = None) -> AlertPage:
        """The user's alerts, newest first (optionally one run's), and their unread count,
        read in one statement so the two always agree (alerts may land meanwhile)."""
        unread = (
            select(func.count())
            .select_from(Alert)
            .where(Alert.user_id == user_id, Alert.read_at.is_(None))
            .scalar_subquery()
        )
        statement = (
            select(Alert, Posting, SavedSearch.name, unread)
            .join(Posting, Posting.id == Alert.posting_id)
            .outerjoin(SavedSearch, SavedSearch.id == Alert.saved_search_id)
            .where(Alert.user_id == user_id)
            .order_by(Alert.created_at.desc(), Alert.score.desc(), Alert.id.desc())
            .limit(limit)
        )
        if run_id is not None:
            statement = statement.where(Alert.run_id == run_id)
        async with self._db() as session:
            rows = (await session.execute(statement)).all()
        if not rows:
            return AlertPage(await self.unread_count(user_id), [])
        return AlertPage(
            int(rows[0][3]),
            [
                AlertView(
                    id=alert.id,
                    posting_id=posting.id,
                    title=posting.title,
                    company=posting.company,
                    location=posting.location,
                    link=posting.link,
                    score=alert.score,
                    matched=list(alert.matched),
                    saved_search_id=alert.saved_search_id,
                    saved_search_name=name,
                    run_id=alert.run_id,
                    created_at=alert.created_at,
                    read_at=alert.read_at,
                )
                for alert, posting, name, _ in rows
            ],
        )

    async def unread_count(self, user_id: int) -> int:
        """How many of the user's alerts are unread (the header's badge)."""
        async with self._db() as session:
            result = await session.execute(
                select(func.count())
                .select_from(Alert)
                .where(Alert.user_id == user_id, Alert.read_at.is_(None))
            )
            return int(result.scalar_one())

    async def count_for_run(self, user_id: int, run_id: str) -> int:
        """How many alerts one of the user's runs made."""
        async with self._db() as session:
            result = await session.execute(
                select(func.count())
                .select_from(Alert)
                .where(Alert.user_id == user_id, Alert.run_id == run_id)
            )
            return int(result.scalar_one())

    async def mark_read(self, user_id: int, ids: Sequence[int] | None) -> int:
        """Mark the user's alerts read: those with these ids, or all when `ids` is None.
        Returns how many changed."""
        statement = (
            update(Alert)
            .where(Alert.user_id == user_id, Alert.read_at.is_(None))
            .values(read_at=utcnow())
        )
        if ids is not None:
            statement = statement.where(Alert.id.in_(list(ids)))
        async with self._db() as session:
            result = await session.execute(statement)
            await session.commit()
            return int(getattr(result, "rowcount", 0) or 0)
