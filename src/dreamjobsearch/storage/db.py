"""The async SQLAlchemy engine and the `Database` repositories work through, for SQLite
(default) or PostgreSQL."""

from __future__ import annotations

import logging
import os
import select
import stat
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeAlias

from psycopg import pq
from sqlalchemy import event
from sqlalchemy.engine import URL, Dialect, make_url
from sqlalchemy.exc import DisconnectionError
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


def _sqlite_in_transaction(driver_connection: Any) -> bool:
    return bool(driver_connection.in_transaction)


def _postgres_in_transaction(driver_connection: Any) -> bool:
    # INTRANS, INERROR, and ACTIVE or UNKNOWN (which the rollback will report as broken).
    return bool(driver_connection.info.transaction_status != pq.TransactionStatus.IDLE)


def _roll_back_only_open_transactions(
    dialect: Dialect, in_transaction: Callable[[Any], bool]
) -> None:
    """Make the engine's ROLLBACKs (at the end of every unit of work, and the pool's reset
    when a connection is returned) skip connections that have no transaction open.

    A read opens none on SQLite (its driver begins a transaction at the first write) and
    none on PostgreSQL in autocommit, yet each would still be rolled back: on SQLite that is
    a hop to aiosqlite's thread and back for nothing, once or twice per request.
    """
    roll_back = dialect.do_rollback

    def do_rollback(dbapi_connection: Any) -> None:
        if in_transaction(dbapi_connection.driver_connection):
            roll_back(dbapi_connection)

    dialect.do_rollback = do_rollback  # type: ignore[method-assign]


def _drop_if_closed_by_server(dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
    """At checkout, discard a PostgreSQL connection the server closed while it sat idle.

    An idle pooled connection has nothing to read: when its socket is readable, the server
    ended it (a restart, `pg_terminate_backend`, an idle timeout) and sent its goodbye.
    `DisconnectionError` makes the pool throw it away and check out another (or connect),
    so the request never sees it. One `poll` system call, where a pre-ping costs a round
    trip to the server on every checkout.
    """
    try:
        socket = dbapi_connection.driver_connection.pgconn.socket
    except Exception as error:  # psycopg: the connection is already closed
        raise DisconnectionError("connection already closed") from error
    poller = select.poll()
    poller.register(socket, select.POLLIN)
    if poller.poll(0):
        raise DisconnectionError("the server closed this idle connection")


def create_engine(url: str) -> AsyncEngine:
    """Create the process's engine; SQLite gets WAL mode and foreign keys on every connection."""
    target = async_url(url)
    if target.get_backend_name() == "sqlite":
        private_sqlite_file(target)
        engine = create_async_engine(target)
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        _roll_back_only_open_transactions(engine.sync_engine.dialect, _sqlite_in_transaction)
        return engine
    # A database that stops answering fails requests (503) within seconds instead of
    # holding them: connecting gives up after CONNECT_TIMEOUT, waiting for a pooled
    # connection after POOL_TIMEOUT. No pre-ping (a round trip before every statement's
    # checkout): connections the server closed are found by their socket at checkout.
    engine = create_async_engine(
        target,
        pool_size=10,
        max_overflow=10,
        pool_timeout=POOL_TIMEOUT,
        connect_args={"connect_timeout": CONNECT_TIMEOUT},
    )
    event.listen(engine.sync_engine, "checkout", _drop_if_closed_by_server)
    _roll_back_only_open_transactions(engine.sync_engine.dialect, _postgres_in_transaction)
    return engine


def database(engine: AsyncEngine) -> Database:
    """The database on `engine`: each call opens a unit of work (an ORM `AsyncSession`) whose
    loaded objects stay usable after commit."""
    return async_sessionmaker(engine, expire_on_commit=False)
