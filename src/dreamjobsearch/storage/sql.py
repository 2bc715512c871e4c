"""Small SQL helpers that differ by dialect."""

from __future__ import annotations

import json
import struct
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from typing import Any, TypeVar

from sqlalchemy import ARRAY, Table, any_, func, literal, select, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.dml import Insert
from sqlalchemy.sql.elements import ColumnElement

T = TypeVar("T")


def one_of(
    session: AsyncSession, column: ColumnElement[T], values: Iterable[T]
) -> ColumnElement[bool]:
    """`column IN values` with the values as one parameter: a JSON array SQLite reads
    with `json_each`, an array on PostgreSQL (`= ANY`).

    An `IN` list is one parameter per value: SQLAlchemy named and processed each one on
    every execution, the database parsed a new statement for each length, and SQLite
    allows only so many (lists were cut into chunks). Both databases still look each
    value up in the column's index.
    """
    listed = list(values)
    if session.get_bind().dialect.name == "postgresql":
        return column == any_(literal(listed, ARRAY(column.type)))
    each = func.json_each(literal(json.dumps(listed))).table_valued("value")
    return column.in_(select(each.c.value))


def insert_ignoring_conflicts(session: AsyncSession, table: Table) -> Insert:
    """Core `INSERT ... ON CONFLICT DO NOTHING` for the session's dialect.

    Core, not the ORM's bulk insert: rows go straight to the driver, which matters on the
    ingest path where every posting is a statement.
    """
    if session.get_bind().dialect.name == "postgresql":
        return postgresql.insert(table).on_conflict_do_nothing()
    return sqlite.insert(table).on_conflict_do_nothing()


# Pages SQLite may keep in memory while one large write runs (its default is about 2 MB).
WRITE_CACHE_KIB = 64 * 1024


@asynccontextmanager
async def sqlite_write_cache(session: AsyncSession) -> AsyncIterator[None]:
    """A page cache of `WRITE_CACHE_KIB` for the session's connection while the block
    writes, its own size again after (nothing on PostgreSQL).

    An import's piece inserts thousands of rows into the indexes of two tables, those on
    hashes at random places: with SQLite's 2 MB cache, pages it had just changed were
    written out to the journal and read back within the same transaction (the postings
    insert of 50,000 postings about 3.6 s -> 2.0-2.9 s, docs/benchmarks.md "Ingest"). Given
    back at the end of the block, so a pooled connection never holds more than its own
    size once the write is done.
    """
    if session.get_bind().dialect.name != "sqlite":
        yield
        return
    size = (await session.execute(text("PRAGMA cache_size"))).scalar_one()
    await session.execute(text(f"PRAGMA cache_size = -{WRITE_CACHE_KIB}"))
    try:
        yield
    finally:
        await session.execute(text(f"PRAGMA cache_size = {int(size)}"))


def upsert(
    session: AsyncSession,
    table: Table,
    values: dict[str, Any],
    key: Sequence[str],
    changes: dict[str, Any],
    where: ColumnElement[bool] | None = None,
) -> Insert:
    """Core `INSERT ... ON CONFLICT (key) DO UPDATE SET changes [WHERE where]` for the
    session's dialect (`where` tests the row already stored)."""
    if session.get_bind().dialect.name == "postgresql":
        return (
            postgresql.insert(table)
            .values(values)
            .on_conflict_do_update(index_elements=list(key), set_=changes, where=where)
        )
    return (
        sqlite.insert(table)
        .values(values)
        .on_conflict_do_update(index_elements=list(key), set_=changes, where=where)
    )


async def postgresql_copy(
    session: AsyncSession, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]
) -> None:
    """Write rows into `table` with PostgreSQL's `COPY ... FROM STDIN`, inside the session's
    transaction.

    No statement to parse and no array to unpack: the server reads each row as it comes.
    `COPY` has no `ON CONFLICT`: only for rows no other transaction can hold (e.g. keyed by
    ids this transaction just inserted), as a conflict fails the whole transaction.
    """
    driver = await _driver_connection(session)
    statement = f"COPY {table} ({', '.join(columns)}) FROM STDIN"
    async with driver.cursor() as cursor, cursor.copy(statement) as copy:
        for row in rows:
            await copy.write_row(row)


# COPY's binary format: its signature, no flags, no header extension ... and its trailer.
_BINARY_HEADER = b"PGCOPY\n\xff\r\n\x00" + struct.pack(">ii", 0, 0)
_BINARY_TRAILER = struct.pack(">h", -1)


async def postgresql_copy_binary(
    session: AsyncSession, table: str, columns: Sequence[str], tuples: Iterable[bytes]
) -> None:
    """`postgresql_copy` in COPY's binary format: each of `tuples` is one row already in
    that format (its field count, then each field's length and bytes), for values the
    server would otherwise parse from text (a tsvector's, say)."""
    driver = await _driver_connection(session)
    statement = f"COPY {table} ({', '.join(columns)}) FROM STDIN (FORMAT BINARY)"
    async with driver.cursor() as cursor, cursor.copy(statement) as copy:
        await copy.write(_BINARY_HEADER)
        for row in tuples:
            await copy.write(row)
        await copy.write(_BINARY_TRAILER)


async def _driver_connection(session: AsyncSession) -> Any:
    """psycopg's own connection under the session: SQLAlchemy has no COPY, and this one
    runs the session's transaction."""
    connection = await session.connection()
    raw = await connection.get_raw_connection()
    driver = raw.driver_connection
    if driver is None:
        raise RuntimeError("the database connection was closed during a transaction")
    return driver


def as_arrays(rows: Sequence[dict[str, Any]], columns: Sequence[str]) -> dict[str, list[Any]]:
    """The rows as one list per column, for an insert that unnests one array parameter per
    column (one statement text whatever the number of rows)."""
    return {name: [row[name] for row in rows] for name in columns}
