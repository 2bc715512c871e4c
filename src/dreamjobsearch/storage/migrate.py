"""Apply Alembic migrations programmatically (the server does this at start-up)."""

from __future__ import annotations

import fcntl
from pathlib import Path

from alembic import command
from alembic.config import Config

from dreamjobsearch.storage.db import private_sqlite_file, sync_url
from dreamjobsearch.storage.search_index import is_search_index_table

MIGRATIONS_DIR = Path(__file__).with_name("migrations")


def in_models(name: str | None, type_: str, _parent_names: object) -> bool:
    """Whether a database object is described by the models (Alembic's `include_name`).

    The search index is dialect-specific DDL the migrations create outside the models
    (an FTS5 table and its shadow tables, or a tsvector table), so comparisons skip it.
    """
    return not (type_ == "table" and is_search_index_table(name))


def alembic_config(database_url: str) -> Config:
    """An Alembic config for our migrations against `database_url` (no alembic.ini needed)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["database_url"] = sync_url(database_url).render_as_string(hide_password=False)
    return config


def upgrade(database_url: str, revision: str = "head") -> None:
    """Bring the schema up to `revision`. Blocking: call it from a thread in async code.

    Several processes may start at once (API processes, workers): only one migrates at a
    time, and the others then find the schema up to date. PostgreSQL serialises through an
    advisory lock (see migrations/env.py); SQLite through a lock file beside the database.
    """
    url = sync_url(database_url)
    database = url.database if url.get_backend_name() == "sqlite" else None
    if not database or database == ":memory:":
        command.upgrade(alembic_config(database_url), revision)
        return
    private_sqlite_file(url)
    lock_path = Path(database).with_name(Path(database).name + ".migrate-lock")
    with lock_path.open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            command.upgrade(alembic_config(database_url), revision)
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
