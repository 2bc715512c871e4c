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
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal, cast

from sqlalchemy import String, Table, bindparam, func, select, text, update
from sqlalchemy import cast as cast_
from sqlalchemy.dialects.postgresql import aggregate_order_by
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from dreamjobsearch.storage.models import Posting, UserPosting
from dreamjobsearch.storage.search_terms import KeywordTokens, phrase_positions, text_tokens

SEARCH_TABLE = "posting_search"
POSTINGS = cast(Table, Posting.__table__)
PG_MAX_POSITION = 16383
PG_MAX_POSITIONS_PER_TOKEN = 256
BACKFILL_BATCH = 500
# Ids closer than this are asked for as one range of the FTS5 index; at most this many ranges.
RANGE_GAP = 1000
MOST_RANGES = 8
# SQLite refuses a compound statement of more parts than 500.
COMPOUND_PARTS = 400


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


def _split_ids(joined: str | None) -> list[int]:
    """Ids joined by commas (SQLite's group_concat), as a list."""
    return list(map(int, joined.split(","))) if joined else []


def _split_groups(joined: str) -> list[tuple[int, list[int]]]:
    """Groups joined as "group:id,id;group:id,id", as a list."""
    groups = []
    for part in joined.split(";") if joined else ():
        group, members = part.split(":")
        groups.append((int(group), _split_ids(members)))
    return groups


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


def _sqlite_row(posting: PostingText) -> dict[str, Any]:
    return {
        "id": posting.posting_id,
        "title": " ".join(text_tokens(posting.title)),
        "body": " ".join(text_tokens(posting.description)),
    }


def _postgresql_row(posting: PostingText) -> dict[str, Any]:
    title = text_tokens(posting.title)
    # One unused position between title and description: a phrase never spans the two.
    positions = phrase_positions(title, 1)
    for token, found in phrase_positions(text_tokens(posting.description), len(title) + 2).items():
        positions.setdefault(token, []).extend(found)
    exact = True
    parts = []
    for token, found in positions.items():
        kept = [position for position in found if position <= PG_MAX_POSITION]
        if len(kept) != len(found) or len(kept) > PG_MAX_POSITIONS_PER_TOKEN:
            exact = False
        kept = kept[:PG_MAX_POSITIONS_PER_TOKEN]
        if kept:
            parts.append(f"{token}:{','.join(map(str, kept))}")
    return {"id": posting.posting_id, "terms": " ".join(parts), "exact": exact}


def _encode(postings: Sequence[PostingText], postgresql: bool) -> list[dict[str, Any]]:
    encode = _postgresql_row if postgresql else _sqlite_row
    return [encode(posting) for posting in postings]


async def add_to_index(session: AsyncSession, postings: Sequence[PostingText]) -> None:
    """Index `postings` inside the caller's transaction (they are new to the index)."""
    if not postings:
        return
    postgresql = _is_postgresql(session)
    # Tokenising is CPU work (an import may bring tens of thousands of postings).
    rows = await asyncio.to_thread(_encode, postings, postgresql)
    if postgresql:
        statement = text(
            "INSERT INTO posting_search (posting_id, terms, exact) "
            "VALUES (:id, CAST(:terms AS tsvector), :exact) ON CONFLICT (posting_id) DO NOTHING"
        )
    else:
        statement = text(
            "INSERT INTO posting_search (rowid, title, body) VALUES (:id, :title, :body)"
        )
    await session.execute(statement, rows)


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

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def index_pending(self) -> int:
        """Index every posting the index does not hold yet; how many this call indexed.

        Each batch is claimed by flipping `search_indexed` first, so processes doing this
        at once never index a posting twice.
        """
        done = 0
        while True:
            async with self._sessions() as session:
                pending = await session.execute(
                    select(Posting.id).where(Posting.search_indexed.is_(False)).limit(1)
                )
                if pending.first() is None:
                    return done
            async with self._sessions() as session, session.begin():
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

    async def matching(
        self, user_id: int, keywords: Sequence[KeywordTokens]
    ) -> list[Sequence[int]]:
        """For each keyword, the ids of the postings it matches: all the user's, maybe
        others' too. One statement for all the keywords.

        On PostgreSQL only exactly indexed postings are answered; see `inexact_texts`.
        """
        if not keywords:
            return []
        async with self._sessions() as session:
            if _is_postgresql(session):
                # One pass over the user's tsvectors answers every keyword: faster than a
                # GIN lookup per keyword, whose phrase matches must recheck each candidate.
                column = (
                    "coalesce(array_agg(s.posting_id) "
                    "FILTER (WHERE s.terms @@ CAST(:q{n} AS tsquery)), '{{}}')"
                )
                columns = ", ".join(column.format(n=n) for n in range(len(keywords)))
                statement = (
                    f"SELECT {columns} FROM posting_search s "  # noqa: S608 -- placeholders only
                    "JOIN user_postings up ON up.posting_id = s.posting_id "
                    "WHERE up.user_id = :user AND s.exact"
                )
                queries = {f"q{n}": tsquery(tokens) for n, tokens in enumerate(keywords)}
                row = (await session.execute(text(statement), {"user": user_id, **queries})).one()
                return [list(ids) for ids in row]
            # Ids joined in one value per keyword: tens of thousands of rows cost far more.
            # No join with the user's postings: that is a lookup per match, while the caller
            # drops other users' ids with a dictionary lookup.
            one = (
                "SELECT {n}, coalesce(group_concat(rowid), '') FROM posting_search "
                "WHERE posting_search MATCH :q{n}"
            )
            queries = {f"q{n}": fts5_query(tokens) for n, tokens in enumerate(keywords)}
            # Only numbered placeholders go into the text; the keywords are bound parameters.
            statement = " UNION ALL ".join(one.format(n=n) for n in range(len(keywords)))
            result = await session.execute(text(statement), queries)
            found: dict[int, str] = {number: ids for number, ids in result.all()}
        return await asyncio.to_thread(lambda: [_split_ids(found[n]) for n in range(len(keywords))])

    async def matching_among(
        self, keywords: Sequence[KeywordTokens], posting_ids: Sequence[int]
    ) -> list[list[int]]:
        """For each keyword, which of `posting_ids` (a few: an ingest's) it matches.

        On SQLite the index is asked for the ranges of ids those fall in (new postings have
        neighbouring ids), on PostgreSQL for exactly them; either way only exactly indexed
        postings are answered (see `inexact_texts`).
        """
        if not keywords or not posting_ids:
            return [[] for _ in keywords]
        wanted = frozenset(posting_ids)
        found: list[list[int]] = [[] for _ in keywords]
        async with self._sessions() as session:
            if _is_postgresql(session):
                column = (
                    "coalesce(array_agg(s.posting_id) "
                    "FILTER (WHERE s.terms @@ CAST(:q{n} AS tsquery)), '{{}}')"
                )
                columns = ", ".join(column.format(n=n) for n in range(len(keywords)))
                statement = text(
                    f"SELECT {columns} FROM posting_search s "  # noqa: S608 -- placeholders only
                    "WHERE s.posting_id IN :ids AND s.exact"
                ).bindparams(bindparam("ids", expanding=True))
                queries = {f"q{n}": tsquery(tokens) for n, tokens in enumerate(keywords)}
                row = (await session.execute(statement, {"ids": list(wanted), **queries})).one()
                return [list(ids) for ids in row]
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
                    found[number].extend(i for i in _split_ids(joined) if i in wanted)
        return found

    async def inexact_texts(
        self, user_id: int, posting_ids: Sequence[int] | None = None
    ) -> list[PostingText]:
        """The user's postings the index holds only approximately (PostgreSQL, very long):
        all of them, or those among `posting_ids`."""
        async with self._sessions() as session:
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
        async with self._sessions() as session:
            result = await session.execute(
                select(Posting.id, Posting.title, Posting.description)
                .join(UserPosting, UserPosting.posting_id == Posting.id)
                .where(UserPosting.user_id == user_id)
            )
            return [PostingText(pid, title, body) for pid, title, body in result.all()]

    async def ranking_order(self, user_id: int) -> list[int]:
        """The user's posting ids newest first: posted (undated last), then found, then id.

        One index of `user_postings` holds this order, so no posting row is read, and the
        ids come back aggregated in one value: a row per posting costs ten times more.
        """
        order = (
            UserPosting.posted_at.desc().nulls_last(),
            UserPosting.found_at.desc(),
            UserPosting.posting_id.desc(),
        )
        mine = UserPosting.user_id == user_id
        async with self._sessions() as session:
            if _is_postgresql(session):
                ordered = func.array_agg(aggregate_order_by(UserPosting.posting_id, *order))
                ids = (await session.execute(select(ordered).where(mine))).scalar_one()
                return list(ids or [])
            # SQLite aggregates an ordered subquery in its order (it never flattens such a
            # subquery into an aggregate query, so that group_concat keeps the order).
            ordered_ids = select(UserPosting.posting_id).where(mine).order_by(*order).subquery()
            joined = (
                await session.execute(select(func.group_concat(ordered_ids.c.posting_id)))
            ).scalar_one()
        return await asyncio.to_thread(_split_ids, joined)

    async def shared_groups(self, user_id: int) -> list[tuple[int, list[int]]]:
        """The user's cross-board groups of two postings or more, with their posting ids."""
        async with self._sessions() as session:
            if _is_postgresql(session):
                result = await session.execute(
                    select(UserPosting.group_id, func.array_agg(UserPosting.posting_id))
                    .where(UserPosting.user_id == user_id, UserPosting.group_id.is_not(None))
                    .group_by(UserPosting.group_id)
                    .having(func.count() > 1)
                )
                return [(group, list(ids)) for group, ids in result.all() if group is not None]
            # All groups in one value ("group:id,id;group:id,id"), as for the order.
            concatenated = await session.execute(
                text(
                    "SELECT coalesce(group_concat(g || ':' || members, ';'), '') FROM ("
                    "SELECT group_id AS g, group_concat(posting_id) AS members "
                    "FROM user_postings WHERE user_id = :user AND group_id IS NOT NULL "
                    "GROUP BY group_id HAVING count(*) > 1)"
                ),
                {"user": user_id},
            )
            joined: str = concatenated.scalar_one()
        return await asyncio.to_thread(_split_groups, joined)

    async def groups_of(
        self, user_id: int, posting_ids: Sequence[int]
    ) -> list[tuple[int, list[int]]]:
        """The user's cross-board groups that hold any of `posting_ids`, with all their
        posting ids (groups of one included)."""
        if not posting_ids:
            return []
        # `+user_id`: the postings are looked up by id, not the user's groups all scanned.
        statement = text(
            "SELECT group_id, posting_id FROM user_postings "
            "WHERE user_id = :user AND group_id IN ("
            "SELECT group_id FROM user_postings WHERE +user_id = :user AND posting_id IN :ids)"
        ).bindparams(bindparam("ids", expanding=True))
        async with self._sessions() as session:
            result = await session.execute(statement, {"user": user_id, "ids": list(posting_ids)})
            rows = result.all()
        members: dict[int, list[int]] = {}
        for group, posting_id in rows:
            members.setdefault(group, []).append(posting_id)
        return list(members.items())

    async def ids_by(self, user_id: int, column: Literal["location", "company"]) -> list[ValueIds]:
        """Each location (or company) of the user's postings with the ids that have it."""
        value = Posting.location if column == "location" else Posting.company
        async with self._sessions() as session:
            # The ids come joined in one string per value: a row per posting costs more.
            ids = (
                func.string_agg(cast_(Posting.id, String), ",")
                if _is_postgresql(session)
                else func.group_concat(Posting.id)
            )
            result = await session.execute(
                select(value, ids)
                .join(UserPosting, UserPosting.posting_id == Posting.id)
                .where(UserPosting.user_id == user_id)
                .group_by(value)
            )
            return [(name, joined) for name, joined in result.all()]
