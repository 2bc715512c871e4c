"""Small SQL helpers that differ by dialect."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Table
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
