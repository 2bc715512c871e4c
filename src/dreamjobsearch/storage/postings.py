"""Postings and the per-user links to them."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

from sqlalchemy import func, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from dreamjobsearch.sources.base import JobPosting
from dreamjobsearch.storage.models import Posting, UserPosting, utcnow
from dreamjobsearch.storage.sql import insert_ignoring_conflicts

CHUNK = 400


@dataclass(frozen=True, slots=True)
class StoreResult:
    """How many postings were new to the user and how many they already had."""

    new: int
    duplicates: int


@dataclass(frozen=True, slots=True)
class StoredPosting:
    """A posting as a user sees it, with when they found it."""

    id: int
    source: str
    external_id: str
    link: str
    title: str
    company: str
    location: str
    description: str
    posted_at: datetime | None
    found_at: datetime


T = TypeVar("T")


def _chunks(items: Sequence[T], size: int = CHUNK) -> Iterable[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


class PostingRepository:
    """Stores each posting once and links it to every user who found it."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def store_for_user(
        self,
        user_id: int,
        postings: Sequence[JobPosting],
        query: str = "",
        location: str = "",
    ) -> StoreResult:
        """Store `postings` and link them to the user, all in one transaction.

        A posting the user already has (or that repeats inside `postings`) counts as a
        duplicate; conflicts with concurrent writers are ignored, never stored twice.
        """
        unique: dict[tuple[str, str], JobPosting] = {}
        for posting in postings:
            unique.setdefault((posting.source, posting.external_id), posting)
        duplicates = len(postings) - len(unique)
        if not unique:
            return StoreResult(new=0, duplicates=duplicates)
        now = utcnow()
        keys = list(unique)
        async with self._sessions() as session, session.begin():
            insert_postings = insert_ignoring_conflicts(session, Posting)
            for chunk in _chunks(keys):
                await session.execute(
                    insert_postings,
                    [_posting_row(unique[key], now) for key in chunk],
                )
            ids = await self._ids_for(session, keys)
            linked = await self._linked(session, user_id, list(ids.values()))
            new_ids = [pid for pid in ids.values() if pid not in linked]
            if new_ids:
                insert_links = insert_ignoring_conflicts(session, UserPosting)
                for id_chunk in _chunks(new_ids):
                    await session.execute(
                        insert_links,
                        [
                            {
                                "user_id": user_id,
                                "posting_id": pid,
                                "query": query[:512],
                                "location": location[:512],
                                "found_at": now,
                                "status": "new",
                            }
                            for pid in id_chunk
                        ],
                    )
        return StoreResult(new=len(new_ids), duplicates=duplicates + len(unique) - len(new_ids))

    async def for_user(self, user_id: int) -> list[StoredPosting]:
        """Every posting the user has found."""
        statement = (
            select(Posting, UserPosting.found_at)
            .join(UserPosting, UserPosting.posting_id == Posting.id)
            .where(UserPosting.user_id == user_id)
        )
        async with self._sessions() as session:
            rows = (await session.execute(statement)).all()
        return [_stored(posting, found_at) for posting, found_at in rows]

    async def count_for_user(self, user_id: int) -> int:
        """How many postings the user has."""
        async with self._sessions() as session:
            result = await session.execute(
                select(func.count()).select_from(UserPosting).where(UserPosting.user_id == user_id)
            )
            return int(result.scalar_one())

    @staticmethod
    async def _ids_for(
        session: AsyncSession, keys: Sequence[tuple[str, str]]
    ) -> dict[tuple[str, str], int]:
        ids: dict[tuple[str, str], int] = {}
        for chunk in _chunks(keys):
            result = await session.execute(
                select(Posting.source, Posting.external_id, Posting.id).where(
                    tuple_(Posting.source, Posting.external_id).in_(chunk)
                )
            )
            ids.update({(source, ext): pid for source, ext, pid in result.all()})
        return ids

    @staticmethod
    async def _linked(session: AsyncSession, user_id: int, posting_ids: list[int]) -> set[int]:
        linked: set[int] = set()
        for chunk in _chunks(posting_ids):
            result = await session.execute(
                select(UserPosting.posting_id).where(
                    UserPosting.user_id == user_id, UserPosting.posting_id.in_(chunk)
                )
            )
            linked.update(result.scalars())
        return linked


def _posting_row(posting: JobPosting, now: datetime) -> dict[str, object]:
    return {
        "source": posting.source,
        "external_id": posting.external_id,
        "link": posting.link,
        "title": posting.title,
        "company": posting.company,
        "location": posting.location,
        "description": posting.description,
        "posted_at": posting.posted_at,
        "created_at": now,
    }


def _stored(posting: Posting, found_at: datetime) -> StoredPosting:
    return StoredPosting(
        id=posting.id,
        source=posting.source,
        external_id=posting.external_id,
        link=posting.link,
        title=posting.title,
        company=posting.company,
        location=posting.location,
        description=posting.description,
        posted_at=posting.posted_at,
        found_at=found_at,
    )
