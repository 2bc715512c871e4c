"""One-statement reads on the request path, without an ORM session around them.

Some reads run on nearly every request (the admin flag, a stateless session's account, the
saved lists). Through an ORM session each costs a unit of work: on PostgreSQL a `BEGIN` and
a `ROLLBACK` round trip around the statement; on SQLite, where aiosqlite runs every driver
call on its own thread, five hops there and back (cursor, execute, fetch, close, rollback)
plus the session's bookkeeping. `HotReads` runs such a statement

- on PostgreSQL, in SQLAlchemy Core on a pooled connection in autocommit: one round trip;
- on SQLite, in one hop: the pool's connection is borrowed raw and the statement, compiled
  once, runs and is fetched on aiosqlite's thread in a single call (its `execute_fetchall`);
  the columns' own result processing (booleans, JSON, UTC datetimes) is applied to the row.

A read sees what was committed before it started, as any statement outside a transaction
does. Parameters are plain ints and strings (no bind processing is needed for them).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.util import greenlet_spawn

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


class HotReads:
    """Runs one-row reads of the request path on `engine` (see the module docstring)."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        self._sqlite = engine.dialect.name == "sqlite"
        # Autocommit on PostgreSQL: no BEGIN/ROLLBACK round trips around a single read.
        self._reader = (
            engine if self._sqlite else engine.execution_options(isolation_level="AUTOCOMMIT")
        )
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
        async with self._reader.connect() as connection:
            return (await connection.execute(statement, parameters)).first()

    async def _first_on_sqlite(
        self, statement: AnySelect, parameters: dict[str, int | str]
    ) -> Sequence[Any] | None:
        compiled = self._compiled.get(statement)
        if compiled is None:
            compiled = self._compiled[statement] = _compile(statement, self._engine.dialect)
        values = tuple(parameters[name] for name in compiled.parameters)
        connection = await self._engine.raw_connection()
        try:
            driver: Any = connection.driver_connection  # an aiosqlite.Connection
            rows = await driver.execute_fetchall(compiled.sql, values)
        finally:
            # Back to the pool (nothing to roll back: a read opens no transaction on SQLite),
            # in SQLAlchemy's async context, as the pool may close it (an overflow
            # connection), which awaits aiosqlite.
            await greenlet_spawn(connection.close)
        if not rows:
            return None
        return tuple(
            process(value) if process is not None else value
            for process, value in zip(compiled.processors, next(iter(rows)), strict=True)
        )
