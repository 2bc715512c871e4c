"""Per-user tracking: status and note per posting, saved lists, last visit, postings version.

A user without a `user_tracking` row has the defaults (version 0, nothing saved, never
visited); the row appears on the first write. The postings version moves in the same
transaction that links postings to the user (`postings_version.py`), so a process that reads
an unchanged version knows its cached ranking index is still right.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import ColumnElement, Select, Table, bindparam, func, literal, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from dreamjobsearch.domain.postings import StoredPosting
from dreamjobsearch.domain.tracking import UNCHANGED, Unchanged, company_key
from dreamjobsearch.storage.db import Database
from dreamjobsearch.storage.hot_reads import HotReads
from dreamjobsearch.storage.models import Posting, UserPosting, UserTracking
from dreamjobsearch.storage.sql import upsert

TRACKING = cast(Table, UserTracking.__table__)
CHUNK = 500
_STATE = select(
    UserTracking.postings_version,
    UserTracking.keywords,
    UserTracking.location,
    UserTracking.blocked_companies,
    UserTracking.last_seen_at,
).where(UserTracking.user_id == bindparam("user_id"))


@dataclass(frozen=True, slots=True)
class TrackingState:
    """A user's saved lists (keywords and where to look, blocked companies), last visit
    and postings version."""

    postings_version: int = 0
    keywords: tuple[str, ...] = ()
    location: str | None = None
    blocked_companies: tuple[str, ...] = ()
    last_seen_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class TrackedPosting:
    """One of a user's postings and where they are with it.

    Lists that do not show descriptions leave `posting.description` empty (it is read only
    when asked for: a description is most of a posting's size).
    """

    posting: StoredPosting
    status: str
    note: str


@dataclass(frozen=True, slots=True)
class BoardCard:
    """One job on the board: its most recently found copy and every board it is on, as
    `(source, link)` pairs, the first found first."""

    tracked: TrackedPosting
    links: tuple[tuple[str, str], ...]


@dataclass(frozen=True, slots=True)
class StatusColumn:
    """One column of the board: a status, how many jobs have it, and some of them."""

    status: str
    count: int
    items: list[BoardCard]


def _tracked_postings(user_id: int, with_description: bool) -> Select[*tuple[Any, ...]]:
    description = Posting.description if with_description else literal("")
    return (
        select(
            Posting.id,
            Posting.source,
            Posting.external_id,
            Posting.link,
            Posting.title,
            Posting.company,
            Posting.location,
            description,
            Posting.posted_at,
            UserPosting.found_at,
            func.coalesce(Posting.group_id, Posting.id),
            Posting.salary,
            Posting.employment_type,
            Posting.seniority_level,
            UserPosting.status,
            UserPosting.note,
        )
        .join(UserPosting, UserPosting.posting_id == Posting.id)
        .where(UserPosting.user_id == user_id)
    )


def _tracked(row: Sequence[Any]) -> TrackedPosting:
    *fields, status, note = row
    return TrackedPosting(StoredPosting(*fields), status, note)


class TrackingRepository:
    """Reads and writes a user's tracking; every read is scoped to that user."""

    def __init__(self, db: Database) -> None:
        self._db = db
        self._hot = HotReads.on(db)

    async def state(self, user_id: int) -> TrackingState:
        """The user's saved lists, last visit and postings version (defaults when none).

        One narrow row read, no ORM session (`HotReads`): saved lists are read per request
        and every ranking checks the postings version.
        """
        row = await self._hot.first(_STATE, user_id=user_id)
        if row is None:
            return TrackingState()
        postings_version, keywords, location, blocked_companies, last_seen_at = row
        return TrackingState(
            postings_version=postings_version,
            keywords=tuple(keywords),
            location=location,
            blocked_companies=tuple(blocked_companies),
            last_seen_at=last_seen_at,
        )

    async def save_keywords(
        self,
        user_id: int,
        keywords: Sequence[str],
        location: str | Unchanged | None = UNCHANGED,
    ) -> None:
        """Replace the user's saved keywords, and their saved location unless `UNCHANGED`
        (None: anywhere), in one write."""
        values: dict[str, object] = {"keywords": list(keywords)}
        if location is not UNCHANGED:
            values["location"] = location
        await self._save(user_id, values)

    async def save_blocked_companies(self, user_id: int, companies: Sequence[str]) -> None:
        """Replace the user's block list."""
        await self._save(user_id, {"blocked_companies": list(companies)})

    async def save_last_seen(self, user_id: int, moment: datetime) -> None:
        """Record the user's visit at `moment`."""
        await self._save(user_id, {"last_seen_at": moment})

    async def _save(self, user_id: int, values: Mapping[str, object]) -> None:
        # Only the given columns per write, so a keyword change and a visit never overwrite
        # each other.
        defaults = {
            "user_id": user_id,
            "postings_version": 0,
            "keywords": [],
            "blocked_companies": [],
        }
        async with self._db() as session, session.begin():
            await session.execute(
                upsert(session, TRACKING, {**defaults, **values}, ["user_id"], dict(values))
            )

    async def with_statuses(self, user_id: int, statuses: Iterable[str]) -> list[int]:
        """Ids of the user's postings whose status is one of `statuses`."""
        async with self._db() as session:
            result = await session.execute(
                select(UserPosting.posting_id).where(
                    UserPosting.user_id == user_id, UserPosting.status.in_(list(statuses))
                )
            )
            return list(result.scalars().all())

    async def update(
        self, user_id: int, posting_id: int, status: str | None, note: str | None
    ) -> TrackedPosting | None:
        """Set status and/or note of the user's posting and of the same job on other boards.

        One job is one result in rankings, so what the user decides about it holds for every
        board's copy. None when the posting is not the user's.
        """
        changes: dict[str, Any] = {}
        if status is not None:
            changes["status"] = status
        if note is not None:
            changes["note"] = note
        mine = UserPosting.user_id == user_id
        async with self._db() as session, session.begin():
            link = (
                await session.execute(
                    select(UserPosting.posting_id, UserPosting.group_id).where(
                        mine, UserPosting.posting_id == posting_id
                    )
                )
            ).first()
            if link is None:
                return None
            _posting_id, group = link
            same_job = (
                UserPosting.group_id == group
                if group is not None
                else UserPosting.posting_id == posting_id
            )
            if changes:
                await session.execute(update(UserPosting).where(mine, same_job).values(**changes))
            row = (
                await session.execute(
                    _tracked_postings(user_id, False).where(UserPosting.posting_id == posting_id)
                )
            ).one()
        return _tracked(row)

    async def postings(
        self, user_id: int, posting_ids: Iterable[int], with_description: bool
    ) -> dict[int, TrackedPosting]:
        """The user's postings among `posting_ids`, by id (others are left out)."""
        wanted = list(dict.fromkeys(posting_ids))
        found: dict[int, TrackedPosting] = {}
        # Filtering user_postings by the ids (its primary key) keeps every planner on the
        # short path, even before a fresh database has statistics.
        async with self._db() as session:
            for start in range(0, len(wanted), CHUNK):
                statement = _tracked_postings(user_id, with_description).where(
                    UserPosting.posting_id.in_(wanted[start : start + CHUNK])
                )
                result = await session.execute(statement)
                found.update({row[0]: _tracked(row) for row in result.all()})
        return found

    async def has_postings(self, user_id: int) -> bool:
        """Whether the user has any posting at all (whatever its status or company)."""
        statement = select(UserPosting.posting_id).where(UserPosting.user_id == user_id).limit(1)
        async with self._db() as session:
            return (await session.execute(statement)).first() is not None

    async def every_posting(self, user_id: int) -> list[TrackedPosting]:
        """All the user's postings without descriptions, the most recently found first."""
        statement = _tracked_postings(user_id, False).order_by(
            UserPosting.found_at.desc(), UserPosting.posting_id.desc()
        )
        async with self._db() as session:
            return [_tracked(row) for row in (await session.execute(statement)).all()]

    async def board(
        self,
        user_id: int,
        statuses: Sequence[str],
        limit: int,
        offset: int,
        blocked: frozenset[str] = frozenset(),
    ) -> list[StatusColumn]:
        """For each status: how many of the user's jobs have it, and the most recently
        found of them (`limit` from `offset`).

        A job found on several boards is one card, as it is one result in rankings; the
        jobs of the `blocked` companies (by `company_key`) are left out, counts included.
        """
        async with self._db() as session:
            shown = [UserPosting.user_id == user_id]
            hidden = await _spellings_of(session, user_id, blocked) if blocked else []
            if hidden:
                shown.append(UserPosting.posting_company.not_in(hidden))
            counts = dict(
                (
                    await session.execute(
                        select(UserPosting.status, func.count(UserPosting.group_id.distinct()))
                        .where(*shown)
                        .group_by(UserPosting.status)
                    )
                ).all()
            )
            columns = []
            for status in statuses:
                count = int(counts.get(status, 0))
                cards = []
                if count > offset:
                    in_column = [*shown, UserPosting.status == status]
                    cards = await _newest_jobs(session, user_id, in_column, limit, offset)
                columns.append(StatusColumn(status, count, cards))
        return columns


async def _spellings_of(
    session: AsyncSession, user_id: int, companies: frozenset[str]
) -> list[str]:
    """How the user's postings spell the `companies` (given by `company_key`)."""
    names = await session.scalars(
        select(UserPosting.posting_company).where(UserPosting.user_id == user_id).distinct()
    )
    return [name for name in names if company_key(name) in companies]


async def _newest_jobs(
    session: AsyncSession,
    user_id: int,
    conditions: Sequence[ColumnElement[bool]],
    limit: int,
    offset: int,
) -> list[BoardCard]:
    """The jobs among the user's links meeting `conditions`, the most recently found
    first (`limit` from `offset`), each as its newest copy with the links of all copies."""
    # Links come newest first along the (user, status, found) index, so a job's first copy
    # seen is its newest; reading a few more rows than the page is far cheaper than any
    # query that finds each job's newest copy (they sort or probe every row).
    wanted = offset + limit
    rows_read = wanted + wanted // 4 + 10
    while True:
        rows = (
            await session.execute(
                select(UserPosting.posting_id, UserPosting.group_id)
                .where(*conditions)
                .order_by(UserPosting.found_at.desc(), UserPosting.posting_id.desc())
                .limit(rows_read)
            )
        ).all()
        newest = _first_of_each_group(rows)
        if len(newest) >= wanted or len(rows) < rows_read:
            break
        rows_read *= 2
    picked = newest[offset:wanted]
    if not picked:
        return []
    ids = [posting_id for posting_id, _group in picked]
    tracked = {
        row[0]: _tracked(row)
        for row in (
            await session.execute(
                _tracked_postings(user_id, False).where(UserPosting.posting_id.in_(ids))
            )
        ).all()
    }
    links: dict[int | None, list[tuple[str, str]]] = {}
    # Sorted here: an ORDER BY would lead SQLite away from the groups index (40x slower).
    members = await session.execute(
        select(UserPosting.posting_id, UserPosting.group_id, Posting.source, Posting.link)
        .join(Posting, Posting.id == UserPosting.posting_id)
        .where(
            UserPosting.user_id == user_id,
            UserPosting.group_id.in_([group for _posting_id, group in picked]),
        )
    )
    for _posting_id, group, source, link in sorted(members.all()):
        links.setdefault(group, []).append((source, link))
    return [
        BoardCard(tracked[posting_id], tuple(links.get(group, ())))
        for posting_id, group in picked
        if posting_id in tracked
    ]


def _first_of_each_group(rows: Sequence[tuple[int, int | None]]) -> list[tuple[int, int | None]]:
    """The first `(posting_id, group)` row of each group, in order."""
    seen: set[int | None] = set()
    first = []
    for row in rows:
        if row[1] not in seen:
            seen.add(row[1])
            first.append(row)
    return first
