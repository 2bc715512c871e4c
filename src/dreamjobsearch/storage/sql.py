"""Small SQL helpers that differ by dialect."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Table, TextClause, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.dml import Insert
from sqlalchemy.sql.elements import ColumnElement


def insert_ignoring_conflicts(session: AsyncSession, table: Table) -> Insert:
    """Core `INSERT ... ON CONFLICT DO NOTHING` for the session's dialect.

    Core, not the ORM's bulk insert: rows go straight to the driver, which matters on the
    ingest path where every posting is a statement.
    """
    if session.get_bind().dialect.name == "postgresql":
        return postgresql.insert(table).on_conflict_do_nothing()
    return sqlite.insert(table).on_conflict_do_nothing()


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


def postgresql_array_insert(table: Table, columns: Sequence[str], returning: str) -> TextClause:
    """`INSERT ... ON CONFLICT DO NOTHING RETURNING returning` of many rows on PostgreSQL
    from one array parameter per column (each named after its column), unnested.

    The statement's text is the same whatever the number of rows: a multi-row `VALUES`
    has a parameter per cell, and psycopg parses such a text anew for every statement
    (thousands of placeholders: most of the time an import spent inserting).
    """
    dialect = postgresql.dialect()  # type: ignore[no-untyped-call]
    arrays = ", ".join(
        f"CAST(:{name} AS {table.c[name].type.compile(dialect)}[])" for name in columns
    )
    return text(
        f"INSERT INTO {table.name} ({', '.join(columns)}) "  # noqa: S608 -- names from the table
        f"SELECT * FROM unnest({arrays}) ON CONFLICT DO NOTHING RETURNING {returning}"
    )


def as_arrays(rows: Sequence[dict[str, Any]], columns: Sequence[str]) -> dict[str, list[Any]]:
    """The rows as one list per column (the parameters of `postgresql_array_insert`)."""
    return {name: [row[name] for row in rows] for name in columns}
