"""The migrations build exactly the schema the models describe, on a fresh database."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from services_available import fresh_postgres_database
from sqlalchemy import Connection, create_engine

from dreamjobsearch.storage.migrate import alembic_config, in_models, upgrade
from dreamjobsearch.storage.models import Base


def _context(connection: Connection) -> MigrationContext:
    """A migration context that, like our Alembic environment, skips the search index (it
    is dialect-specific DDL outside the models)."""
    return MigrationContext.configure(connection, opts={"include_name": in_models})


def test_migrations_match_the_models(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'schema.db'}"
    upgrade(url)
    engine = create_engine(url)
    with engine.connect() as connection:
        differences = compare_metadata(_context(connection), Base.metadata)
    engine.dispose()
    assert differences == []


def test_upgrading_twice_changes_nothing(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'schema.db'}"
    upgrade(url)
    upgrade(url)
    head = ScriptDirectory.from_config(alembic_config(url)).get_current_head()
    engine = create_engine(url)
    with engine.connect() as connection:
        assert MigrationContext.configure(connection).get_current_revision() == head
    engine.dispose()


def _upgrade_concurrently(url: str) -> None:
    """Three processes migrate the same database at the same moment (Alembic itself is not
    thread-safe, so these are processes, as in a real deployment)."""
    code = "import sys; from dreamjobsearch.storage.migrate import upgrade; upgrade(sys.argv[1])"
    processes = [subprocess.Popen([sys.executable, "-c", code, url]) for _ in range(3)]
    try:
        assert [process.wait(timeout=60) for process in processes] == [0, 0, 0]
    finally:
        for process in processes:
            if process.poll() is None:
                process.kill()


def test_processes_starting_together_migrate_one_at_a_time_on_sqlite(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'together.db'}"
    _upgrade_concurrently(url)
    engine = create_engine(url)
    with engine.connect() as connection:
        assert compare_metadata(_context(connection), Base.metadata) == []
    engine.dispose()


def test_processes_starting_together_migrate_one_at_a_time_on_postgresql() -> None:
    with fresh_postgres_database() as url:
        _upgrade_concurrently(url)
        engine = create_engine(url)
        with engine.connect() as connection:
            assert compare_metadata(_context(connection), Base.metadata) == []
        engine.dispose()
