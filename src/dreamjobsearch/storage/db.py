"""The async SQLAlchemy engine and session factory, for SQLite (default) or PostgreSQL."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

ASYNC_DRIVERS = {"sqlite": "sqlite+aiosqlite", "postgresql": "postgresql+psycopg"}
SYNC_DRIVERS = {"sqlite": "sqlite", "postgresql": "postgresql+psycopg"}


CONNECT_TIMEOUT = 5
POOL_TIMEOUT = 10


def _with_driver(url: str, drivers: dict[str, str]) -> URL:
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if backend not in drivers:
        raise ValueError(f"unsupported database {backend!r}: use sqlite or postgresql")
    return parsed.set(drivername=drivers[backend])


def async_url(url: str) -> URL:
    """The URL with the async driver of its backend (aiosqlite or psycopg)."""
    return _with_driver(url, ASYNC_DRIVERS)


def sync_url(url: str) -> URL:
    """The URL with the sync driver of its backend, for Alembic."""
    return _with_driver(url, SYNC_DRIVERS)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # WAL lets readers run while a writer commits; busy_timeout turns write contention
    # into a wait instead of "database is locked" (a 503). Under a burst of sign-ups and
    # imports (benchmarks/load.py) 5 s was not enough: writers queue behind imports.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def create_engine(url: str) -> AsyncEngine:
    """Create the process's engine; SQLite gets WAL mode and foreign keys on every connection."""
    target = async_url(url)
    if target.get_backend_name() == "sqlite":
        engine = create_async_engine(target)
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        return engine
    # A database that stops answering fails requests (503) within seconds instead of
    # holding them: connecting gives up after CONNECT_TIMEOUT, waiting for a pooled
    # connection after POOL_TIMEOUT; the pre-ping drops connections that died meanwhile.
    return create_async_engine(
        target,
        pool_pre_ping=True,
        pool_size=10,
        max_overflow=10,
        pool_timeout=POOL_TIMEOUT,
        connect_args={"connect_timeout": CONNECT_TIMEOUT},
    )


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """A factory of ORM sessions that keep loaded objects usable after commit."""
    return async_sessionmaker(engine, expire_on_commit=False)
