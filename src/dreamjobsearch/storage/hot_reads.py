"""One-statement reads on the request path, without an ORM session around them.

Some reads run on nearly every request (an account's flags, the saved lists). Through an
ORM session each costs a unit of work: on PostgreSQL a `BEGIN` and a `ROLLBACK` round trip
around the statement; on SQLite, where aiosqlite runs every driver call on its own thread,
five hops there and back (cursor, execute, fetch, close, rollback) plus the session's
bookkeeping. `HotReads` runs such a statement

- on PostgreSQL, in SQLAlchemy Core on a pooled connection in autocommit: one round trip;
- on a SQLite file, in one hop to a reader of the engine's own: one read-only connection on
  one thread, shared by the engine's hot reads. Not the pool's: under many requests at once
  the pool's overflow connections were opened and closed around every read, each a new
  thread and a new SQLite connection. The statement, compiled once, runs and is fetched in
  a single call there; the columns' own result processing (booleans, JSON, UTC datetimes)
  is applied to the row. The reader's connection closes and its thread ends when the engine
  is disposed (both come back if the engine is used again).

A read sees what was committed before it started, as any statement outside a transaction
does. Parameters are plain ints and strings (no bind processing is needed for them).
"""

from __future__ import annotations

import asyncio
import sqlite3
import weakref
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, event
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncEngine

from dreamjobsearch.storage.db import Database

ResultProcessor = Callable[[Any], Any] | None
AnySelect = Select[*tuple[Any, ...]]


@dataclass(frozen=True, slots=True)
class _Compiled:
    """A statement as SQLite's driver takes it, and how to read its columns."""

    sql: str
    parameters: tuple[str, ...]
    processors: tuple[ResultProcessor, ...]


def _compile(statement: AnySelect, dialect: Dialect) -> _Compiled:
    compiled = statement.compile(dialect=dialect)
    processors = tuple(
        column.type.dialect_impl(dialect).result_processor(dialect, None)
        for column in statement.selected_columns
    )
    return _Compiled(compiled.string, tuple(compiled.positiontup or ()), processors)


class SqliteReader:
    """One read-only connection to a SQLite file, used on one thread of its own, for the
    hot reads of one engine. Both are made by the first read and go with `close`."""

    def __init__(self, path: str) -> None:
        self._path = path
        self._thread: _ReaderThread | None = None

    async def first_row(self, sql: str, values: tuple[Any, ...]) -> tuple[Any, ...] | None:
        """The statement's first row, read on the reader's thread."""
        if self._thread is None:
            self._thread = _ReaderThread(self._path)
        return await self._thread.first_row(sql, values)

    def close(self) -> None:
        """Close the connection and let its thread end (reads already sent finish first);
        the next read starts afresh."""
        thread, self._thread = self._thread, None
        if thread is not None:
            thread.close()


class _ReaderThread:
    """A thread and the connection it opened, used only there."""

    def __init__(self, path: str) -> None:
        self._path = path
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sqlite-hot-reads")
        self._connection: sqlite3.Connection | None = None

    async def first_row(self, sql: str, values: tuple[Any, ...]) -> tuple[Any, ...] | None:
        loop = asyncio.get_running_loop()
        row: tuple[Any, ...] | None = await loop.run_in_executor(
            self._executor, self._first_row, sql, values
        )
        return row

    def close(self) -> None:
        self._executor.submit(self._close)
        self._executor.shutdown(wait=False)

    def _first_row(self, sql: str, values: tuple[Any, ...]) -> tuple[Any, ...] | None:
        if self._connection is None:
            # No transaction is ever opened (reads only): each statement sees what was
            # committed before it started, as a read outside a transaction does.
            self._connection = sqlite3.connect(self._path, check_same_thread=False)
            self._connection.execute("PRAGMA query_only=ON")
            self._connection.execute("PRAGMA busy_timeout=30000")
        row: tuple[Any, ...] | None = self._connection.execute(sql, values).fetchone()
        return row

    def _close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None


# Each engine's reader, made on the first hot read; it goes with its engine.
_readers: weakref.WeakKeyDictionary[AsyncEngine, SqliteReader] = weakref.WeakKeyDictionary()


def _reader_of(engine: AsyncEngine) -> SqliteReader | None:
    """The engine's SQLite reader; None when it has no file of its own to open twice (an
    in-memory database, or a URI with options)."""
    reader = _readers.get(engine)
    if reader is not None:
        return reader
    path = engine.url.database
    if not path or path == ":memory:" or engine.url.query:
        return None
    reader = _readers[engine] = SqliteReader(path)
    event.listen(engine.sync_engine, "engine_disposed", lambda _engine: reader.close())
    return reader


class HotReads:
    """Runs one-row reads of the request path on `engine` (see the module docstring)."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        self._sqlite = engine.dialect.name == "sqlite"
        # The engine's reader on a SQLite file (shared with its other hot reads).
        self._sqlite_reader = _reader_of(engine) if self._sqlite else None
        # Autocommit on PostgreSQL: no BEGIN/ROLLBACK round trips around a single read.
        self._autocommit = engine.execution_options(isolation_level="AUTOCOMMIT")
        self._compiled: dict[AnySelect, _Compiled] = {}

    @classmethod
    def on(cls, db: Database) -> HotReads:
        """Hot reads on the engine behind a repository's `Database`."""
        engine: AsyncEngine = db.kw["bind"]
        return cls(engine)

    async def first(self, statement: AnySelect, **parameters: int | str) -> Sequence[Any] | None:
        """The first row of `statement` (a module-level constant: it is compiled once), or
        None; its values as the columns' types read them."""
        if self._sqlite:
            return await self._first_on_sqlite(statement, parameters)
        async with self._autocommit.connect() as connection:
            return (await connection.execute(statement, parameters)).first()

    async def _first_on_sqlite(
        self, statement: AnySelect, parameters: dict[str, int | str]
    ) -> Sequence[Any] | None:
        compiled = self._compiled.get(statement)
        if compiled is None:
            compiled = self._compiled[statement] = _compile(statement, self._engine.dialect)
        values = tuple(parameters[name] for name in compiled.parameters)
        if self._sqlite_reader is not None:
            row = await self._sqlite_reader.first_row(compiled.sql, values)
        else:
            async with self._engine.connect() as connection:
                found = (await connection.exec_driver_sql(compiled.sql, values)).first()
            row = None if found is None else tuple(found)
        if row is None:
            return None
        return tuple(
            process(value) if process is not None else value
            for process, value in zip(compiled.processors, row, strict=True)
        )
