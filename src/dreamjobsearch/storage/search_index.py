"""The keyword search index: which postings contain a keyword, answered by the database.

Each posting's title and description are stored as index tokens (`search_terms.py`) at
ingest time: in an FTS5 table on SQLite, as a tsvector on PostgreSQL. A keyword is a phrase
query over those tokens, so the database finds exactly the postings the ranking rule would,
without our code reading any description.

PostgreSQL keeps at most 256 positions per token and none past 16,383, so a very long
description may not fit; such a posting is marked inexact and matched by the rule itself.
Postings stored before the index existed (`search_indexed` false) are indexed on demand by
`index_pending`, in batches, by whichever process gets to them first.
"""

from __future__ import annotations

import asyncio
import struct
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal, cast

import numpy as np
import numpy.typing as npt
from sqlalchemy import ColumnElement, String, Table, bindparam, func, select, text, update
from sqlalchemy import cast as cast_
from sqlalchemy.ext.asyncio import AsyncSession

from dreamjobsearch.storage.db import Database
from dreamjobsearch.storage.index_rows import encode_for_index
from dreamjobsearch.storage.models import Posting, UserPosting
from dreamjobsearch.storage.search_terms import KeywordTokens
from dreamjobsearch.storage.sql import as_arrays, postgresql_copy_binary

SEARCH_TABLE = "posting_search"
# Binary COPY of an index row: the field count, the id's length and value, the tsvector's
# length; then the tsvector, and the exact flag with its length.
_ID_FIELD = struct.Struct(">hiii")
_EXACT_FIELD = {True: struct.pack(">ib", 1, 1), False: struct.pack(">ib", 1, 0)}
POSTINGS = cast(Table, Posting.__table__)
BACKFILL_BATCH = 500
# Ids closer than this are asked for as one range of the FTS5 index; at most this many ranges.
RANGE_GAP = 1000
MOST_RANGES = 8
# SQLite refuses a compound statement of more parts than 500.
COMPOUND_PARTS = 400
# One keyword's matches among the rows a PostgreSQL statement reads, ids joined by commas.
_PG_MATCHES = (
    "coalesce(string_agg(CAST(s.posting_id AS text), ',') "
    "FILTER (WHERE s.terms @@ CAST(:q{n} AS tsquery)), '')"
)
# The user's posting ids in ranking order (see `ranking_order`), and those filed under
# another posting's cross-board group with those groups, each joined by commas. SQLite
# aggregates an ordered subquery in its order (it never flattens such a subquery into an
# aggregate query), and every column comes from one pass over it; the few in a group cost
# little more than the ids alone, a second full column a third more.
_SQLITE_ORDER = (
    "SELECT coalesce(group_concat(posting_id), ''), "
    "coalesce(group_concat(CASE WHEN group_id <> posting_id THEN posting_id END), ''), "
    "coalesce(group_concat(CASE WHEN group_id <> posting_id THEN group_id END), '') FROM ("
    "SELECT posting_id, group_id FROM user_postings "
    "WHERE user_id = :user ORDER BY posted_at DESC NULLS LAST, found_at DESC, posting_id DESC)"
)
_PG_ORDER = (
    "SELECT coalesce(string_agg(CAST(posting_id AS text), ',' "
    "ORDER BY posted_at DESC NULLS LAST, found_at DESC, posting_id DESC), ''), "
    "coalesce(string_agg(CAST(posting_id AS text), ',' "
    "ORDER BY posted_at DESC NULLS LAST, found_at DESC, posting_id DESC) "
    "FILTER (WHERE group_id <> posting_id), ''), "
    "coalesce(string_agg(CAST(group_id AS text), ',' "
    "ORDER BY posted_at DESC NULLS LAST, found_at DESC, posting_id DESC) "
    "FILTER (WHERE group_id <> posting_id), '') "
    "FROM user_postings WHERE user_id = :user"
)


# The user's links added after a postings version (at most :most), in ranking order, each
# with the posting just before it in the user's whole ranking order (0: none). That posting
# is found by one seek of the ranking index: the next one up in (posted, found, id) among
# dated postings, or, for an undated one, the next undated one up, else the last dated one.
_LINKS_SINCE = (
    "SELECT n.posting_id, n.group_id, coalesce(CASE WHEN n.posted_at IS NOT NULL THEN ("
    "SELECT p.posting_id FROM user_postings p WHERE p.user_id = :user "
    "AND p.posted_at IS NOT NULL "
    "AND (p.posted_at, p.found_at, p.posting_id) > (n.posted_at, n.found_at, n.posting_id) "
    "ORDER BY p.posted_at, p.found_at, p.posting_id LIMIT 1"
    ") ELSE coalesce(("
    "SELECT p.posting_id FROM user_postings p WHERE p.user_id = :user "
    "AND p.posted_at IS NULL AND (p.found_at, p.posting_id) > (n.found_at, n.posting_id) "
    "ORDER BY p.found_at, p.posting_id LIMIT 1"
    "), ("
    "SELECT p.posting_id FROM user_postings p WHERE p.user_id = :user "
    "AND p.posted_at IS NOT NULL ORDER BY p.posted_at, p.found_at, p.posting_id LIMIT 1"
    ")) END, 0) "
    "FROM (SELECT posting_id, group_id, posted_at, found_at FROM user_postings "
    "WHERE user_id = :user AND linked_version > :version LIMIT :most) n "
    "ORDER BY n.posted_at DESC NULLS LAST, n.found_at DESC, n.posting_id DESC"
)


def is_search_index_table(name: str | None) -> bool:
    """Whether a table belongs to the search index (not in the models; see the migration)."""
    return name is not None and (name == SEARCH_TABLE or name.startswith(SEARCH_TABLE + "_"))


@dataclass(frozen=True, slots=True)
class PostingText:
    """What the index reads of a posting."""

    posting_id: int
    title: str
    description: str


# A value of a column (a location, a company) and the ids of the postings having it, joined
# by commas (parsing is left to a worker thread).
ValueIds = tuple[str, str]
IdArray = npt.NDArray[np.int64]


def id_array(joined: str | None) -> IdArray:
    """Ids joined by commas, as an array: parsed in C (a Python int per id costs ten
    times more, and a ranking reads hundreds of thousands)."""
    return np.fromstring(joined or "", dtype=np.int64, sep=",")


@dataclass(frozen=True, slots=True)
class RankingOrder:
    """A user's postings newest first (posted, undated last, then found, then id): their
    ids, and those of them filed under another posting's cross-board group with those
    groups, in the same order (every other posting is its own group)."""

    ids: IdArray
    filed: IdArray
    filed_groups: IdArray

    @classmethod
    def parse(cls, ids: str, filed: str, filed_groups: str) -> RankingOrder:
        """The order from its three arrays joined by commas. CPU work."""
        return cls(id_array(ids), id_array(filed), id_array(filed_groups))


@dataclass(frozen=True, slots=True)
class AddedLinks:
    """Links added to a user after some postings version, in ranking order: their ids,
    their groups, and the id of the posting just before each in the user's whole ranking
    order (0 when it comes first)."""

    ids: IdArray
    groups: IdArray
    before: IdArray


def id_ranges(posting_ids: Sequence[int]) -> list[tuple[int, int]]:
    """`(lowest, highest)` ranges covering `posting_ids` (not empty): close ids share one,
    and too many ranges become a single one (the ranges may cover other ids too)."""
    ordered = sorted(posting_ids)
    ranges = []
    start = previous = ordered[0]
    for posting_id in ordered[1:]:
        if posting_id - previous > RANGE_GAP:
            ranges.append((start, previous))
            start = posting_id
        previous = posting_id
    ranges.append((start, previous))
    return ranges if len(ranges) <= MOST_RANGES else [(ordered[0], ordered[-1])]


def _is_postgresql(session: AsyncSession) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def _encode(postings: Sequence[PostingText], postgresql: bool) -> list[dict[str, Any]]:
    return [
        {
            **encode_for_index(posting.title, posting.description, postgresql),
            "id": posting.posting_id,
        }
        for posting in postings
    ]


async def add_to_index(session: AsyncSession, postings: Sequence[PostingText]) -> None:
    """Index `postings` inside the caller's transaction (they are new to the index)."""
    if not postings:
        return
    # Tokenising is CPU work (a backfill batch holds hundreds of postings).
    rows = await asyncio.to_thread(_encode, postings, _is_postgresql(session))
    await add_encoded_to_index(session, rows)


async def add_encoded_to_index(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> None:
    """Store index rows (`encode_for_index` with an `id`) inside the caller's transaction
    (their postings are new to the index)."""
    if not rows:
        return
    if _is_postgresql(session):
        # One array per column: psycopg sends a row at a time otherwise.
        statement = text(
            "INSERT INTO posting_search (posting_id, terms, exact) "
            "SELECT * FROM unnest(CAST(:id AS integer[]), CAST(:terms AS tsvector[]), "
            "CAST(:exact AS boolean[])) ON CONFLICT (posting_id) DO NOTHING"
        )
        await session.execute(statement, as_arrays(rows, ("id", "terms", "exact")))
        return
    # Straight to the driver's executemany: SQLAlchemy would build a parameter dict for
    # each row (0.3-0.5 s of an import of 50,000 postings) only to hand it on as it is.
    connection = await session.connection()
    await connection.exec_driver_sql(
        "INSERT INTO posting_search (rowid, title, body) VALUES (?, ?, ?)",
        [(row["id"], row["title"], row["body"]) for row in rows],
    )


async def add_new_to_index(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> None:
    """Store index rows of postings this transaction just inserted, each with an `id`
    (`index_rows.encode_tokens` on PostgreSQL, `index_rows.sqlite_index_row` on SQLite).

    On PostgreSQL by a binary `COPY`: no other transaction can have indexed an id it cannot
    see yet, so the conflict clause `add_encoded_to_index` needs is not; and the server
    reads each tsvector as it is stored instead of parsing its text (half of this, the
    largest statement of an import: 2.5 s to 1.2 s per 10,000 postings).
    """
    if not rows or not _is_postgresql(session):
        await add_encoded_to_index(session, rows)
        return
    await postgresql_copy_binary(
        session, SEARCH_TABLE, ("posting_id", "terms", "exact"), map(_binary_row, rows)
    )


def _binary_row(row: dict[str, Any]) -> bytes:
    """A `posting_search` row in COPY's binary format: three fields, each its length then
    its bytes (an int4, the tsvector, a bool)."""
    terms: bytes = row["terms"]
    return _ID_FIELD.pack(3, 4, row["id"], len(terms)) + terms + _EXACT_FIELD[row["exact"]]


def fts5_query(tokens: KeywordTokens) -> str:
    """The FTS5 MATCH expression of a keyword: the phrase with either first token."""
    rest = "".join(" " + token for token in tokens.rest)
    return " OR ".join(f'"{first}{rest}"' for first in tokens.first)


def tsquery(tokens: KeywordTokens) -> str:
    """The tsquery of a keyword: the phrase with either first token."""
    first = " | ".join(f"'{token}'" for token in tokens.first)
    return " <-> ".join([f"( {first} )", *(f"'{token}'" for token in tokens.rest)])


class SearchIndexRepository:
    """Reads the search index and the rows a user's ranking index is built from."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def index_pending(self) -> int:
        """Index every posting the index does not hold yet; how many this call indexed.

        Each batch is claimed by flipping `search_indexed` first, so processes doing this
        at once never index a posting twice.
        """
        done = 0
        while True:
            async with self._db() as session:
                pending = await session.execute(
                    select(Posting.id).where(Posting.search_indexed.is_(False)).limit(1)
                )
                if pending.first() is None:
                    return done
            async with self._db() as session, session.begin():
                batch = (
                    select(Posting.id)
                    .where(Posting.search_indexed.is_(False))
                    .limit(BACKFILL_BATCH)
                    .scalar_subquery()
                )
                claimed = await session.execute(
                    update(POSTINGS)
                    .where(POSTINGS.c.id.in_(batch), POSTINGS.c.search_indexed.is_(False))
                    .values(search_indexed=True)
                    .returning(POSTINGS.c.id, POSTINGS.c.title, POSTINGS.c.description)
                )
                postings = [PostingText(pid, title, body) for pid, title, body in claimed.all()]
                await add_to_index(session, postings)
            done += len(postings)

    async def matching(self, user_id: int, keywords: Sequence[KeywordTokens]) -> list[IdArray]:
        """For each keyword, the ids of the postings it matches: all the user's, maybe
        others' too. One statement for all the keywords.

        On PostgreSQL only exactly indexed postings are answered; see `inexact_texts`.
        """
        if not keywords:
            return []
        async with self._db() as session:
            if _is_postgresql(session):
                # One pass over the user's tsvectors answers every keyword: faster than a
                # GIN lookup per keyword, whose phrase matches must recheck each candidate.
                columns = ", ".join(_PG_MATCHES.format(n=n) for n in range(len(keywords)))
                statement = (
                    f"SELECT {columns} FROM posting_search s "  # noqa: S608 -- placeholders only
                    "JOIN user_postings up ON up.posting_id = s.posting_id "
                    "WHERE up.user_id = :user AND s.exact"
                )
                queries = {f"q{n}": tsquery(tokens) for n, tokens in enumerate(keywords)}
                row = (await session.execute(text(statement), {"user": user_id, **queries})).one()
                return await asyncio.to_thread(lambda: list(map(id_array, row)))
            # Ids joined in one value per keyword: tens of thousands of rows cost far more.
            # No join with the user's postings: that is a lookup per match, while the caller
            # drops other users' ids when it finds the positions of the ids.
            one = (
                "SELECT {n}, coalesce(group_concat(rowid), '') FROM posting_search "
                "WHERE posting_search MATCH :q{n}"
            )
            queries = {f"q{n}": fts5_query(tokens) for n, tokens in enumerate(keywords)}
            # Only numbered placeholders go into the text; the keywords are bound parameters.
            statement = " UNION ALL ".join(one.format(n=n) for n in range(len(keywords)))
            result = await session.execute(text(statement), queries)
            found: dict[int, str] = {number: ids for number, ids in result.all()}
        return await asyncio.to_thread(lambda: [id_array(found[n]) for n in range(len(keywords))])

    async def matching_among(
        self, keywords: Sequence[KeywordTokens], posting_ids: Sequence[int]
    ) -> list[IdArray]:
        """For each keyword, which of `posting_ids` (a few: an ingest's) it matches.

        On SQLite the index is asked for the ranges of ids those fall in (new postings have
        neighbouring ids), on PostgreSQL for exactly them; either way only exactly indexed
        postings are answered (see `inexact_texts`).
        """
        if not keywords or not posting_ids:
            return [id_array("") for _ in keywords]
        wanted = np.unique(np.asarray(posting_ids, dtype=np.int64))
        found: list[list[str]] = [[] for _ in keywords]
        async with self._db() as session:
            if _is_postgresql(session):
                columns = ", ".join(_PG_MATCHES.format(n=n) for n in range(len(keywords)))
                statement = text(
                    f"SELECT {columns} FROM posting_search s "  # noqa: S608 -- placeholders only
                    "WHERE s.posting_id IN :ids AND s.exact"
                ).bindparams(bindparam("ids", expanding=True))
                queries = {f"q{n}": tsquery(tokens) for n, tokens in enumerate(keywords)}
                row = (await session.execute(statement, {"ids": wanted.tolist(), **queries})).one()
                return list(map(id_array, row))
            one = (
                "SELECT {n}, coalesce(group_concat(rowid), '') FROM posting_search "
                "WHERE posting_search MATCH :q{n} AND rowid BETWEEN :lo{r} AND :hi{r}"
            )
            ranges = id_ranges(posting_ids)
            parts = [(n, r) for n in range(len(keywords)) for r in range(len(ranges))]
            bounds: dict[str, Any] = {}
            for r, (lowest, highest) in enumerate(ranges):
                bounds[f"lo{r}"] = lowest
                bounds[f"hi{r}"] = highest
            for start in range(0, len(parts), COMPOUND_PARTS):
                chunk = parts[start : start + COMPOUND_PARTS]
                numbers = sorted({n for n, _r in chunk})
                queries = {f"q{n}": fts5_query(keywords[n]) for n in numbers}
                # Only numbered placeholders go into the text; the keywords are bound.
                union = " UNION ALL ".join(one.format(n=n, r=r) for n, r in chunk)
                result = await session.execute(text(union), {**queries, **bounds})
                for number, joined in result.all():
                    found[number].append(joined)
        # The ranges may cover other postings: only the wanted ones are kept.
        matched = (id_array(",".join(filter(None, parts))) for parts in found)
        return [ids[np.isin(ids, wanted)] for ids in matched]

    async def inexact_texts(
        self, user_id: int, posting_ids: Sequence[int] | None = None
    ) -> list[PostingText]:
        """The user's postings the index holds only approximately (PostgreSQL, very long):
        all of them, or those among `posting_ids`."""
        async with self._db() as session:
            if not _is_postgresql(session) or (posting_ids is not None and not posting_ids):
                return []
            statement = text(
                "SELECT p.id, p.title, p.description FROM posting_search s "
                "JOIN postings p ON p.id = s.posting_id "
                "JOIN user_postings up ON up.posting_id = s.posting_id "
                "WHERE up.user_id = :user AND NOT s.exact"
            )
            parameters: dict[str, Any] = {"user": user_id}
            if posting_ids is not None:
                statement = text(
                    "SELECT p.id, p.title, p.description FROM posting_search s "
                    "JOIN postings p ON p.id = s.posting_id "
                    "JOIN user_postings up ON up.posting_id = s.posting_id "
                    "WHERE up.user_id = :user AND NOT s.exact AND s.posting_id IN :ids"
                ).bindparams(bindparam("ids", expanding=True))
                parameters["ids"] = list(posting_ids)
            result = await session.execute(statement, parameters)
            return [PostingText(pid, title, body) for pid, title, body in result.all()]

    async def texts(self, user_id: int) -> list[PostingText]:
        """Every posting of the user in full (for keywords the index cannot answer)."""
        async with self._db() as session:
            result = await session.execute(
                select(Posting.id, Posting.title, Posting.description)
                .join(UserPosting, UserPosting.posting_id == Posting.id)
                .where(UserPosting.user_id == user_id)
            )
            return [PostingText(pid, title, body) for pid, title, body in result.all()]

    async def ranking_order(self, user_id: int) -> RankingOrder:
        """The user's postings newest first, with their groups.

        One index of `user_postings` holds the order and the groups, so no posting row is
        read, and each column comes back aggregated in one value: a row per posting costs
        ten times more.
        """
        async with self._db() as session:
            statement = _PG_ORDER if _is_postgresql(session) else _SQLITE_ORDER
            ids, filed, groups = (await session.execute(text(statement), {"user": user_id})).one()
        return await asyncio.to_thread(RankingOrder.parse, ids, filed, groups)

    async def links_since(self, user_id: int, version: int, most: int) -> AddedLinks | None:
        """The links added to the user after postings `version` (see `AddedLinks`); None
        when there are more than `most`.

        Each added link costs a few index seeks, whatever the user's number of postings.
        """
        async with self._db() as session:
            result = await session.execute(
                text(_LINKS_SINCE), {"user": user_id, "version": version, "most": most + 1}
            )
            rows = result.all()
        if len(rows) > most:
            return None
        ids, groups, before = np.array(rows, dtype=np.int64).reshape(-1, 3).T
        return AddedLinks(ids, groups, before)

    async def ids_by(self, user_id: int, column: Literal["location", "company"]) -> list[ValueIds]:
        """Each location (or company) of the user's postings with the ids that have it.

        The links' copies are read, from an index of their own: no posting row is.
        """
        value = (
            UserPosting.posting_location if column == "location" else UserPosting.posting_company
        )
        async with self._db() as session:
            # The ids come joined in one string per value: a row per posting costs more.
            ids = (
                func.string_agg(cast_(UserPosting.posting_id, String), ",")
                if _is_postgresql(session)
                else func.group_concat(UserPosting.posting_id)
            )
            result = await session.execute(
                select(value, ids).where(UserPosting.user_id == user_id).group_by(value)
            )
            return [(name, joined) for name, joined in result.all()]

    async def ids_with_salary(self, user_id: int) -> IdArray:
        """The ids of the user's postings that state a salary (one read per index: a
        posting's salary does not change once stored)."""
        condition = func.trim(Posting.salary) != ""
        return await self._ids_where(user_id, condition, join_postings=True)

    async def ids_posted_after(self, user_id: int, posted_after: datetime) -> IdArray:
        """The ids of the user's postings posted at or after `posted_after` (the links'
        copies of the date, from the ranking's own index of `user_postings`)."""
        return await self._ids_where(user_id, UserPosting.posted_at >= posted_after)

    async def _ids_where(
        self, user_id: int, condition: ColumnElement[bool], join_postings: bool = False
    ) -> IdArray:
        async with self._db() as session:
            # Joined in one value, as in `ids_by`: a row per posting costs more.
            ids = (
                func.string_agg(cast_(UserPosting.posting_id, String), ",")
                if _is_postgresql(session)
                else func.group_concat(UserPosting.posting_id)
            )
            statement = select(ids).select_from(UserPosting)
            if join_postings:
                statement = statement.join(Posting, Posting.id == UserPosting.posting_id)
            statement = statement.where(UserPosting.user_id == user_id, condition)
            joined = (await session.execute(statement)).scalar_one()
        return await asyncio.to_thread(id_array, joined)
