"""Postings and the per-user links to them.

A posting is stored once per `(source, external_id)` and linked to every user who found it.
Postings that are the same job on different boards share a `group_id` (see `dedupe.py`), so
a user sees one result listing every link.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

from sqlalchemy import func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from dreamjobsearch.dedupe import description_hash, job_key
from dreamjobsearch.sources.base import JobPosting
from dreamjobsearch.storage.models import Posting, UserPosting, utcnow
from dreamjobsearch.storage.sql import insert_ignoring_conflicts

CHUNK = 400
T = TypeVar("T")
Identity = tuple[str, str]


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
    group_id: int


@dataclass(frozen=True, slots=True)
class PostingLink:
    """Where a job is posted: the board and the URL."""

    posting_id: int
    source: str
    link: str


@dataclass(frozen=True, slots=True)
class PostingDetail:
    """Everything stored about one of a user's postings, with every board it is on."""

    posting: Posting
    query: str
    location: str
    found_at: datetime
    status: str
    links: list[PostingLink]


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
        unique: dict[Identity, JobPosting] = {}
        for posting in postings:
            unique.setdefault((posting.source, posting.external_id), posting)
        duplicates = len(postings) - len(unique)
        if not unique:
            return StoreResult(new=0, duplicates=duplicates)
        keys = list(unique)
        async with self._sessions() as session, session.begin():
            now = utcnow()
            statement = insert_ignoring_conflicts(session, Posting)
            for chunk in _chunks(keys):
                await session.execute(statement, [_posting_row(unique[key], now) for key in chunk])
            ids = await _ids_for(session, keys)
            await _assign_groups(session, list(ids.values()))
            result = await _link(session, user_id, list(ids.values()), query, location, now)
        return StoreResult(new=result.new, duplicates=duplicates + result.duplicates)

    async def known(self, keys: Sequence[Identity]) -> dict[Identity, int]:
        """The ids of the postings already stored among `keys` (whoever found them)."""
        async with self._sessions() as session:
            return await _ids_for(session, keys)

    async def link_for_user(
        self, user_id: int, posting_ids: Sequence[int], query: str = "", location: str = ""
    ) -> StoreResult:
        """Link stored postings to the user (those they already have count as duplicates)."""
        async with self._sessions() as session, session.begin():
            return await _link(session, user_id, list(posting_ids), query, location, utcnow())

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

    async def detail_for_user(self, user_id: int, posting_id: int) -> PostingDetail | None:
        """One of the user's postings with every field and the links of its whole group."""
        async with self._sessions() as session:
            row = (
                await session.execute(
                    select(Posting, UserPosting)
                    .join(UserPosting, UserPosting.posting_id == Posting.id)
                    .where(UserPosting.user_id == user_id, Posting.id == posting_id)
                )
            ).first()
            if row is None:
                return None
            posting, found = row
            group = posting.group_id if posting.group_id is not None else posting.id
            links = (
                await session.execute(
                    select(Posting.id, Posting.source, Posting.link)
                    .join(UserPosting, UserPosting.posting_id == Posting.id)
                    .where(UserPosting.user_id == user_id, Posting.group_id == group)
                    .order_by(Posting.id)
                )
            ).all()
        return PostingDetail(
            posting=posting,
            query=found.query,
            location=found.location,
            found_at=found.found_at,
            status=found.status,
            links=[PostingLink(pid, source, link) for pid, source, link in links]
            or [PostingLink(posting.id, posting.source, posting.link)],
        )

    async def count_for_user(self, user_id: int) -> int:
        """How many postings the user has."""
        async with self._sessions() as session:
            result = await session.execute(
                select(func.count()).select_from(UserPosting).where(UserPosting.user_id == user_id)
            )
            return int(result.scalar_one())


async def _ids_for(session: AsyncSession, keys: Sequence[Identity]) -> dict[Identity, int]:
    # One query per source: SQLite does not search the (source, external_id) index for a
    # row-value `IN` list, it scans every posting, so each lookup grew with the table.
    by_source: dict[str, list[str]] = {}
    for source, external_id in keys:
        by_source.setdefault(source, []).append(external_id)
    ids: dict[Identity, int] = {}
    for source, external_ids in by_source.items():
        for chunk in _chunks(external_ids):
            result = await session.execute(
                select(Posting.external_id, Posting.id).where(
                    Posting.source == source, Posting.external_id.in_(chunk)
                )
            )
            ids.update({(source, ext): pid for ext, pid in result.all()})
    return ids


async def _assign_groups(session: AsyncSession, posting_ids: Sequence[int]) -> None:
    """Put each posting without a group into the group of the same job on another board.

    Only other boards count: two openings with the same title at one company on one board
    are two jobs, each with its own id there.
    """
    for chunk in _chunks(posting_ids):
        fresh = (
            await session.execute(
                select(Posting.id, Posting.source, Posting.job_key, Posting.description_hash)
                .where(Posting.id.in_(chunk), Posting.group_id.is_(None))
                .order_by(Posting.id)
            )
        ).all()
        for posting_id, source, key, digest in fresh:
            same_job = [
                condition
                for condition in (
                    Posting.job_key == key if key else None,
                    Posting.description_hash == digest if digest else None,
                )
                if condition is not None
            ]
            group = None
            if same_job:
                group = (
                    await session.execute(
                        select(Posting.group_id)
                        .where(
                            Posting.group_id.is_not(None),
                            Posting.source != source,
                            or_(*same_job),
                        )
                        .order_by(Posting.group_id)
                        .limit(1)
                    )
                ).scalar_one_or_none()
            await session.execute(
                update(Posting).where(Posting.id == posting_id).values(group_id=group or posting_id)
            )


async def _link(
    session: AsyncSession,
    user_id: int,
    posting_ids: list[int],
    query: str,
    location: str,
    now: datetime,
) -> StoreResult:
    linked: set[int] = set()
    for chunk in _chunks(posting_ids):
        result = await session.execute(
            select(UserPosting.posting_id).where(
                UserPosting.user_id == user_id, UserPosting.posting_id.in_(chunk)
            )
        )
        linked.update(result.scalars())
    new_ids = [pid for pid in dict.fromkeys(posting_ids) if pid not in linked]
    statement = insert_ignoring_conflicts(session, UserPosting)
    for chunk in _chunks(new_ids):
        await session.execute(
            statement,
            [
                {
                    "user_id": user_id,
                    "posting_id": pid,
                    "query": query[:512],
                    "location": location[:512],
                    "found_at": now,
                    "status": "new",
                }
                for pid in chunk
            ],
        )
    return StoreResult(new=len(new_ids), duplicates=len(posting_ids) - len(new_ids))


def _posting_row(posting: JobPosting, now: datetime) -> dict[str, object]:
    return {
        "source": posting.source,
        "external_id": posting.external_id,
        "link": posting.link,
        "title": posting.title[:512],
        "company": posting.company[:512],
        "location": posting.location[:512],
        "description": posting.description,
        "posted_at": posting.posted_at,
        "salary": posting.salary[:512],
        "employment_type": posting.employment_type[:256],
        "seniority_level": posting.seniority_level[:256],
        "job_function": posting.job_function[:512],
        "industries": posting.industries[:512],
        "job_key": job_key(posting.company, posting.title, posting.location),
        "description_hash": description_hash(posting.description),
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
        group_id=posting.group_id if posting.group_id is not None else posting.id,
    )
