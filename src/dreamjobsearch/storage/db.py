"""The async SQLAlchemy engine and the `Database` repositories work through, for SQLite
(default) or PostgreSQL."""

from __future__ import annotations

import logging
import os
import stat
from pathlib import Path
from typing import Any, TypeAlias

from sqlalchemy import event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

logger = logging.getLogger(__name__)

# What repositories take: `async with db() as session` opens one unit of work (SQLAlchemy
# calls it a session; a login session is another thing, in `dreamjobsearch.sessions`).
Database: TypeAlias = async_sessionmaker[AsyncSession]

ASYNC_DRIVERS = {"sqlite": "sqlite+aiosqlite", "postgresql": "postgresql+psycopg"}
SYNC_DRIVERS = {"sqlite": "sqlite", "postgresql": "postgresql+psycopg"}


CONNECT_TIMEOUT = 5
POOL_TIMEOUT = 10
PRIVATE_MODE = 0o600
# SQLite's companions of a database file in WAL mode.
SQLITE_SIDE_FILES = ("-wal", "-shm")


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


def private_sqlite_file(url: str | URL) -> None:
    """Create a SQLite database file readable and writable by its owner only (0600).

    The file holds password hashes and sealed secrets. SQLite would create it with the
    process's umask (commonly 0644, readable by every local user) and gives its -wal and
    -shm files the database file's own permissions, so creating the (empty, valid) file
    first keeps all three private. A file left open to others by an older version is
    narrowed to 0600, and that is logged. Other databases and in-memory SQLite: nothing.
    """
    parsed = make_url(url) if isinstance(url, str) else url
    database = parsed.database
    if parsed.get_backend_name() != "sqlite" or not database or database == ":memory:":
        return
    path = Path(database)
    try:
        os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, PRIVATE_MODE))
    except FileExistsError:
        for each in (path, *(path.with_name(path.name + side) for side in SQLITE_SIDE_FILES)):
            _narrow(each)


def _narrow(path: Path) -> None:
    try:
        mode = stat.S_IMODE(path.stat().st_mode)
    except FileNotFoundError:
        return
    if mode & 0o077:
        path.chmod(PRIVATE_MODE)
        logger.warning("%s was readable by others (mode %o): made private (0600)", path, mode)


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
        private_sqlite_file(target)
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


def database(engine: AsyncEngine) -> Database:
    """The database on `engine`: each call opens a unit of work (an ORM `AsyncSession`) whose
    loaded objects stay usable after commit."""
    return async_sessionmaker(engine, expire_on_commit=False)
