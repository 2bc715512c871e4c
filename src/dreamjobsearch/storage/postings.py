"""Postings and the per-user links to them.

A posting the server fetched from a board is stored once per `(source, external_id)`, shared,
and linked to every user whose run meets it. A posting a user supplied (an import, a file) is
stored as their private copy: whatever it claims to be, it never becomes the copy a board
run or another user is given. A user holds one copy of each identity, the first they got.
Postings that are the same job on different boards share a `group_id` (see `dedupe.py`), so
a user sees one result listing every link.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from operator import itemgetter
from typing import Any, TypeVar, cast

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    Integer,
    ScalarSelect,
    String,
    Table,
    and_,
    bindparam,
    func,
    literal,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.dml import ReturningInsert

from dreamjobsearch.domain.postings import JobPosting, StoredPosting
from dreamjobsearch.storage.db import Database
from dreamjobsearch.storage.models import Posting, UserPosting, UTCDateTime, utcnow
from dreamjobsearch.storage.postings_version import bump_postings_version
from dreamjobsearch.storage.prepared import Identity, PreparedPostings, prepare_postings
from dreamjobsearch.storage.search_index import add_new_to_index
from dreamjobsearch.storage.sql import (
    insert_ignoring_conflicts,
    one_of,
    postgresql_copy,
    sqlite_write_cache,
)

CHUNK = 400
_STAGING = "posting_rows_staged"
POSTINGS = cast(Table, Posting.__table__)
USER_POSTINGS = cast(Table, UserPosting.__table__)
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class StoreResult:
    """How many postings were new to the user and how many they already had."""

    new: int
    duplicates: int


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
    note: str
    links: list[PostingLink]


def _chunks(items: Sequence[T], size: int = CHUNK) -> Iterable[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


class PostingRepository:
    """Stores each posting once (per user, for what users supply) and links it to every
    user who found it."""

    def __init__(self, db: Database) -> None:
        self._db = db
        # Search index rows differ by database: `prepare_postings` needs to know which.
        self.postgresql = db.kw["bind"].dialect.name == "postgresql"

    async def store_for_user(
        self,
        user_id: int,
        postings: Sequence[JobPosting],
        query: str = "",
        location: str = "",
        shared: bool = False,
    ) -> StoreResult:
        """Store `postings` and link them to the user, all in one transaction.

        `shared` is for postings the server itself fetched from a board: they are stored
        for everyone. Anything else (imports, files) is stored as the user's private copy.
        A posting the user already has (or that repeats inside `postings`) counts as a
        duplicate and is linked as the copy they have; conflicts with concurrent writers
        are ignored, never stored twice.
        """
        owner = None if shared else user_id
        prepared = await asyncio.to_thread(prepare_postings, postings, owner, self.postgresql)
        return await self.store_prepared(user_id, prepared, query, location)

    async def store_prepared(
        self, user_id: int, prepared: PreparedPostings, query: str = "", location: str = ""
    ) -> StoreResult:
        """Store prepared postings and link them to the user, in one transaction (see
        `store_for_user`)."""
        duplicates = prepared.repeats
        if not prepared.rows:
            return StoreResult(new=0, duplicates=duplicates)
        owner, now = prepared.owner, prepared.now
        async with self._db() as session, session.begin(), sqlite_write_cache(session):
            held = await _held(session, user_id, list(prepared.rows))
            # A private copy of what the user already has would only be a duplicate; a
            # board's posting is stored for everyone whoever has it.
            keys = [key for key in prepared.rows if owner is None or key not in held]
            rows = [prepared.rows[key] for key in keys]
            await _join_existing_groups(session, rows, owner)
            inserted = await _insert(session, rows, self.postgresql) if rows else {}
            missing = [key for key in keys if key not in inserted and key not in held]
            stored = await _ids_for(session, missing, owner) if missing else {}
            ids = {**inserted, **stored, **held}
            await _group_within_batch(session, rows, inserted)
            await add_new_to_index(
                session,
                [{**prepared.index_rows[key], "id": pid} for key, pid in inserted.items()],
            )
            linked = await _link(
                session, user_id, list(ids.values()), query, location, now, set(held.values())
            )
        return StoreResult(new=linked.new, duplicates=duplicates + linked.duplicates)

    async def refresh_statistics(self) -> None:
        """Have PostgreSQL sample the postings tables again (nothing on SQLite).

        Its planner reads identities and links by the index only when its statistics say
        the tables are large: until autovacuum samples them (a minute or more after they
        grew), it takes a table that just grew by thousands for empty, and each lookup
        reads every posting of a board. An import calls this as its tables grow.
        """
        if not self.postgresql:
            return
        async with self._db() as session, session.begin():
            await session.execute(text("ANALYZE postings, user_postings"))

    async def known(self, user_id: int, keys: Sequence[Identity]) -> dict[Identity, int]:
        """The ids of the postings among `keys` a board run for the user need not fetch:
        the copy the user already has, else the one the server fetched for everyone.

        Another user's private copy is never among them: what a user imports never stands
        in for what a board serves anyone else."""
        async with self._db() as session:
            held = await _held(session, user_id, keys)
            rest = [key for key in keys if key not in held]
            return {**(await _ids_for(session, rest, None) if rest else {}), **held}

    async def link_for_user(
        self, user_id: int, posting_ids: Sequence[int], query: str = "", location: str = ""
    ) -> StoreResult:
        """Link stored postings to the user (those they already have count as duplicates)."""
        async with self._db() as session, session.begin():
            return await _link(session, user_id, list(posting_ids), query, location, utcnow())

    async def for_user(self, user_id: int) -> list[StoredPosting]:
        """Every posting the user has found."""
        statement = (
            select(Posting, UserPosting.found_at)
            .join(UserPosting, UserPosting.posting_id == Posting.id)
            .where(UserPosting.user_id == user_id)
        )
        async with self._db() as session:
            rows = (await session.execute(statement)).all()
        return [_stored(posting, found_at) for posting, found_at in rows]

    async def found_between(
        self, user_id: int, since: datetime, until: datetime, limit: int
    ) -> list[StoredPosting]:
        """The postings the user first found in `[since, until]` (a run's new postings),
        newest first, at most `limit`."""
        statement = (
            select(Posting, UserPosting.found_at)
            .join(UserPosting, UserPosting.posting_id == Posting.id)
            .where(
                UserPosting.user_id == user_id,
                UserPosting.found_at >= since,
                UserPosting.found_at <= until,
            )
            .order_by(UserPosting.found_at.desc())
            .limit(limit)
        )
        async with self._db() as session:
            rows = (await session.execute(statement)).all()
        return [_stored(posting, found_at) for posting, found_at in rows]

    async def ids_found_between(self, user_id: int, since: datetime, until: datetime) -> list[int]:
        """The ids of the postings the user first found in `[since, until]` (a run's new
        postings, for a ranking of just those)."""
        statement = select(UserPosting.posting_id).where(
            UserPosting.user_id == user_id,
            UserPosting.found_at >= since,
            UserPosting.found_at <= until,
        )
        async with self._db() as session:
            return list((await session.scalars(statement)).all())

    async def detail_for_user(self, user_id: int, posting_id: int) -> PostingDetail | None:
        """One of the user's postings with every field and the links of its whole group."""
        async with self._db() as session:
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
                    .where(
                        UserPosting.user_id == user_id,
                        func.coalesce(Posting.group_id, Posting.id) == group,
                    )
                    .order_by(Posting.id)
                )
            ).all()
        return PostingDetail(
            posting=posting,
            query=found.query,
            location=found.location,
            found_at=found.found_at,
            status=found.status,
            note=found.note,
            links=[PostingLink(pid, source, link) for pid, source, link in links]
            or [PostingLink(posting.id, posting.source, posting.link)],
        )

    async def count_for_user(self, user_id: int) -> int:
        """How many postings the user has."""
        async with self._db() as session:
            result = await session.execute(
                select(func.count()).select_from(UserPosting).where(UserPosting.user_id == user_id)
            )
            return int(result.scalar_one())


async def _insert(
    session: AsyncSession, rows: list[dict[str, Any]], postgresql: bool
) -> dict[Identity, int]:
    """Insert posting rows, skipping identities stored meanwhile; the ids of those inserted."""
    if postgresql:
        return await _insert_by_copy(session, rows)
    return await _insert_sqlite(session, rows)


async def _insert_sqlite(session: AsyncSession, rows: list[dict[str, Any]]) -> dict[Identity, int]:
    """`_insert` on SQLite: each chunk one multi-row `INSERT ... RETURNING`, handed to the
    driver with its values converted as the columns' own types convert them.

    Through SQLAlchemy each row became a dict of processed parameters and the statement's
    rows were rendered again at every execution: about 0.65 s of this thread's CPU for
    50,000 postings, while SQLite waited for it; about 0.4 s now.
    """
    connection = await session.connection()
    columns = tuple(rows[0])
    values_of = itemgetter(*columns)
    converted = _bind_processors(connection.dialect, columns)
    inserted: dict[Identity, int] = {}
    for chunk in _chunks(rows):
        values: list[Any] = []
        for row in chunk:
            row_values = list(values_of(row))
            for index, convert in converted:
                row_values[index] = convert(row_values[index])
            values.extend(row_values)
        returned = await connection.exec_driver_sql(
            _sqlite_insert_sql(columns, len(chunk)), tuple(values)
        )
        identities: list[tuple[str, str, int]] = [tuple(row) for row in returned]
        inserted.update({(source, ext): pid for source, ext, pid in identities})
    return inserted


def _bind_processors(dialect: Dialect, columns: tuple[str, ...]) -> list[tuple[int, Any]]:
    """The position and the conversion of each of `columns` of `postings` whose type
    converts a value before the driver takes it (dates and booleans, on SQLite).

    Each remembers the values it converted: a piece's rows share their flags and the time
    they were found, and converting dates was most of the time spent building its values.
    """
    processors = (
        (index, POSTINGS.c[name].type.dialect_impl(dialect).bind_processor(dialect))
        for index, name in enumerate(columns)
    )
    return [
        (index, lru_cache(maxsize=4096)(process))
        for index, process in processors
        if process is not None
    ]


@lru_cache(maxsize=16)
def _sqlite_insert_sql(columns: tuple[str, ...], count: int) -> str:
    """`INSERT` of `count` rows of `columns` into `postings`, skipping identities already
    stored, returning each inserted row's identity and id."""
    row = "(" + ", ".join("?" * len(columns)) + ")"
    return (
        f"INSERT INTO postings ({', '.join(columns)}) VALUES {', '.join([row] * count)} "  # noqa: S608 -- our names
        "ON CONFLICT DO NOTHING RETURNING source, external_id, id"
    )


async def _insert_by_copy(session: AsyncSession, rows: list[dict[str, Any]]) -> dict[Identity, int]:
    """`_insert` on PostgreSQL: the rows copied into a temporary table, then inserted from it.

    `COPY` straight into `postings` would fail the transaction on an identity stored
    meanwhile; from the staging table the insert skips those as before, and the server
    parses no array of each column.
    """
    names = ", ".join(rows[0])
    # Emptied at every commit, kept for the connection's next piece.
    await session.execute(
        text(
            f"CREATE TEMP TABLE IF NOT EXISTS {_STAGING} ON COMMIT DELETE ROWS "  # noqa: S608 -- our names
            f"AS SELECT {names} FROM postings WITH NO DATA"
        )
    )
    await postgresql_copy(session, _STAGING, list(rows[0]), (tuple(row.values()) for row in rows))
    returned = await session.execute(
        text(
            f"INSERT INTO postings ({names}) SELECT {names} FROM {_STAGING} "  # noqa: S608 -- our names
            "ON CONFLICT DO NOTHING RETURNING source, external_id, id"
        )
    )
    return {(source, ext): pid for source, ext, pid in returned.all()}


def _by_source(keys: Sequence[Identity]) -> dict[str, list[str]]:
    """Identities as their external ids by source."""
    # One query per source: SQLite does not search the (source, external_id) index for a
    # row-value `IN` list, it scans every posting, so each lookup grew with the table.
    by_source: dict[str, list[str]] = {}
    for source, external_id in keys:
        by_source.setdefault(source, []).append(external_id)
    return by_source


def _visible_to(owner: int | None) -> ColumnElement[bool]:
    """The postings a store for `owner` may use: the shared ones (owner None), or that
    user's private ones."""
    if owner is None:
        return Posting.shared.is_(True)
    return and_(Posting.shared.is_(False), Posting.owner_id == owner)


async def _ids_for(
    session: AsyncSession, keys: Sequence[Identity], owner: int | None
) -> dict[Identity, int]:
    """The ids of the shared postings among `keys` (owner None), or of `owner`'s private
    copies of them."""
    ids: dict[Identity, int] = {}
    for source, external_ids in _by_source(keys).items():
        result = await session.execute(
            select(Posting.external_id, Posting.id).where(
                Posting.source == source,
                one_of(session, POSTINGS.c.external_id, external_ids),
                _visible_to(owner),
            )
        )
        ids.update({(source, ext): pid for ext, pid in result.all()})
    return ids


async def _held(
    session: AsyncSession, user_id: int, keys: Sequence[Identity]
) -> dict[Identity, int]:
    """The copies among `keys` the user already has (linked to them, shared or private);
    the lowest id when they somehow have two."""
    # Driven by the identity index, each candidate checked by one seek of the user's links:
    # a join let PostgreSQL walk all the user's links for every chunk (an import's pieces
    # each cost more than the last), its statistics behind a table growing by thousands.
    linked = (
        select(UserPosting.posting_id)
        .where(UserPosting.user_id == user_id, UserPosting.posting_id == Posting.id)
        .exists()
    )
    ids: dict[Identity, int] = {}
    for source, external_ids in _by_source(keys).items():
        result = await session.execute(
            select(Posting.external_id, Posting.id)
            .where(
                Posting.source == source,
                one_of(session, POSTINGS.c.external_id, external_ids),
                linked,
            )
            .order_by(Posting.id.desc())
        )
        ids.update({(source, ext): pid for ext, pid in result.all()})
    return ids


async def _join_existing_groups(
    session: AsyncSession, rows: list[dict[str, Any]], owner: int | None
) -> None:
    """Give each new row the group of the same job already stored from another board.

    Rows without such a job keep `group_id` None: a posting is then its own group. Only
    other boards count: two openings with the same title at one company on one board are
    two jobs, each with its own id there. A shared row joins only shared groups (what a
    user supplies must not decide how everyone's postings are grouped); a private row
    joins those or its owner's own.
    """
    keys = {row["job_key"] for row in rows if row["job_key"]}
    digests = {row["description_hash"] for row in rows if row["description_hash"]}
    conditions = []
    if keys:
        conditions.append(one_of(session, POSTINGS.c.job_key, keys))
    if digests:
        conditions.append(one_of(session, POSTINGS.c.description_hash, digests))
    if not conditions:
        return
    known = _GroupIndex()
    candidates = await session.execute(
        select(
            Posting.source,
            Posting.job_key,
            Posting.description_hash,
            func.coalesce(Posting.group_id, Posting.id),
        ).where(or_(*conditions), _groups_for(owner))
    )
    for source, key, digest, group in candidates.all():
        known.add(source, key, digest, group)
    for row in rows:
        row["group_id"] = known.find(row["source"], row["job_key"], row["description_hash"])


def _groups_for(owner: int | None) -> ColumnElement[bool]:
    """The postings whose groups a new row of `owner` (None: shared) may join."""
    if owner is None:
        return Posting.shared.is_(True)
    return or_(Posting.shared.is_(True), Posting.owner_id == owner)


async def _group_within_batch(
    session: AsyncSession, rows: list[dict[str, Any]], inserted: dict[Identity, int]
) -> None:
    """Group new rows that are the same job as an earlier row of this batch (rare: a batch
    mixing boards, as an import can)."""
    if len({row["source"] for row in rows}) < 2:
        return
    keys = Counter(row["job_key"] for row in rows)
    digests = Counter(row["description_hash"] for row in rows)
    # Only rows sharing a job key or a hash with another row of the batch can be grouped.
    alike = [
        row
        for row in rows
        if (row["job_key"] and keys[row["job_key"]] > 1)
        or (row["description_hash"] and digests[row["description_hash"]] > 1)
    ]
    batch = _GroupIndex()
    regrouped = []
    for row in alike:
        posting_id = inserted.get((row["source"], row["external_id"]))
        if posting_id is None:
            continue
        key, digest = row["job_key"], row["description_hash"]
        group = row["group_id"]
        if group is None:
            group = batch.find(row["source"], key, digest)
            if group is not None:
                regrouped.append({"id": posting_id, "group_id": group})
        batch.add(row["source"], key, digest, group or posting_id)
    if regrouped:
        await session.execute(update(Posting), regrouped)


class _GroupIndex:
    """Known groups by job key and by description hash, each answering in constant time
    which is the lowest group of the same job on another board.

    A file can hold thousands of postings of one job key (one company's openings in one
    city); keeping every member and scanning them at each row made grouping an import
    quadratic in them.
    """

    def __init__(self) -> None:
        self._by_key: dict[str, _LowestGroups] = {}
        self._by_digest: dict[str, _LowestGroups] = {}

    def add(self, source: str, key: str | None, digest: str | None, group: int) -> None:
        for members, name in ((self._by_key, key), (self._by_digest, digest)):
            if not name:
                continue
            lowest = members.get(name)
            if lowest is None:
                members[name] = _LowestGroups(source, group)
            else:
                lowest.add(source, group)

    def find(self, source: str, key: str | None, digest: str | None) -> int | None:
        """The lowest group holding the same job from another board, if any."""
        by_key = self._by_key.get(key) if key else None
        by_digest = self._by_digest.get(digest) if digest else None
        groups = [
            group
            for lowest in (by_key, by_digest)
            if lowest is not None and (group := lowest.other_than(source)) is not None
        ]
        return min(groups) if groups else None


class _LowestGroups:
    """Of the members sharing a job key (or a hash): the lowest group, a board it is on,
    and the lowest group on any other board; what `other_than` needs of them all."""

    __slots__ = ("lowest", "lowest_source", "other")

    def __init__(self, source: str, group: int) -> None:
        self.lowest, self.lowest_source = group, source
        self.other: int | None = None

    def add(self, source: str, group: int) -> None:
        if group < self.lowest:
            if source != self.lowest_source:
                # Every other member is on a board other than this one or has a higher group.
                self.other = self.lowest
            self.lowest, self.lowest_source = group, source
        elif source != self.lowest_source and (self.other is None or group < self.other):
            self.other = group

    def other_than(self, source: str) -> int | None:
        """The lowest group among the members on a board other than `source`."""
        return self.lowest if source != self.lowest_source else self.other


# The links' statement by dialect, built once: building it for every chunk was about half
# of this thread's time in linking an import's piece.
_LINK_STATEMENTS: dict[str, ReturningInsert[int]] = {}


async def _link(
    session: AsyncSession,
    user_id: int,
    posting_ids: list[int],
    query: str,
    location: str,
    now: datetime,
    held: set[int] | None = None,
) -> StoreResult:
    """Link postings to the user; RETURNING tells which links are new, and they record
    the postings version they move the user's to. `held`: those the user is known to have
    (None: looked up).

    Each link copies its posting's date, group, company and location from the postings
    table (one statement), so a ranking index is built without reading that table. A job
    the user already has from another board keeps its status and note: what they decided
    about it holds for every copy, however late one is found.
    """
    if held is None:
        held = await _linked_already(session, user_id, posting_ids)
    candidates = [posting_id for posting_id in dict.fromkeys(posting_ids) if posting_id not in held]
    if not candidates:
        return StoreResult(new=0, duplicates=len(posting_ids))
    # Moved before the links are written, so each records it as it is inserted (no second
    # pass over them); and only when some are new, so meeting only postings the user has
    # keeps their ranking snapshot. Should a concurrent link take them all, it moved for
    # nothing: a snapshot rebuilt, never a link left out.
    version = await bump_postings_version(session, user_id)
    dialect = session.get_bind().dialect.name
    statement = _LINK_STATEMENTS.get(dialect)
    if statement is None:
        statement = _LINK_STATEMENTS[dialect] = _link_statement(session)
    values = {"user_id": user_id, "query": query[:512], "location": location[:512]}
    values |= {"now": now, "version": version}
    linked: list[int] = []
    for chunk in _chunks(candidates):
        result = await session.execute(statement, {**values, "ids": list(chunk)})
        linked.extend(result.scalars())
    return StoreResult(new=len(linked), duplicates=len(posting_ids) - len(linked))


def _link_statement(session: AsyncSession) -> ReturningInsert[int]:
    """`_link`'s insert of the links to postings `ids` for the session's dialect: the
    user's, with `query`, `location`, found at `now`, at postings version `version`."""
    columns = (
        "user_id",
        "posting_id",
        "query",
        "location",
        "found_at",
        "status",
        "note",
        "posted_at",
        "group_id",
        "posting_company",
        "posting_location",
        "linked_version",
    )
    user_id = bindparam("user_id", type_=Integer())
    group = func.coalesce(POSTINGS.c.group_id, POSTINGS.c.id)
    rows = select(
        user_id,
        POSTINGS.c.id,
        bindparam("query", type_=String()),
        bindparam("location", type_=String()),
        bindparam("now", type_=UTCDateTime()),
        func.coalesce(_same_job(user_id, group, "status"), literal("new")),
        func.coalesce(_same_job(user_id, group, "note"), literal("")),
        POSTINGS.c.posted_at,
        group,
        POSTINGS.c.company,
        POSTINGS.c.location,
        bindparam("version", type_=Integer()),
    ).where(POSTINGS.c.id.in_(bindparam("ids", expanding=True)))
    return (
        insert_ignoring_conflicts(session, USER_POSTINGS)
        .from_select(columns, rows)
        .returning(USER_POSTINGS.c.posting_id)
    )


async def _linked_already(
    session: AsyncSession, user_id: int, posting_ids: Sequence[int]
) -> set[int]:
    """Those of `posting_ids` the user has."""
    result = await session.execute(
        select(USER_POSTINGS.c.posting_id).where(
            USER_POSTINGS.c.user_id == user_id,
            one_of(session, USER_POSTINGS.c.posting_id, dict.fromkeys(posting_ids)),
        )
    )
    return set(result.scalars())


def _same_job(
    user_id: BindParameter[int], group: ColumnElement[int], column: str
) -> ScalarSelect[str]:
    """`column` of the user's link to another copy of the job of `group`, if any (copies
    share it; should they differ, a tracked copy wins over an untouched one)."""
    same = USER_POSTINGS.alias("same_job")
    return (
        select(same.c[column])
        .where(same.c.user_id == user_id, same.c.group_id == group)
        .order_by((same.c.status == "new").asc(), same.c.posting_id)
        .limit(1)
        .scalar_subquery()
    )


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
        salary=posting.salary,
        employment_type=posting.employment_type,
        seniority_level=posting.seniority_level,
    )
