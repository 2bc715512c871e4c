"""The migrations build exactly the schema the models describe, on a fresh database."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from services_available import fresh_postgres_database
from sqlalchemy import Connection, Engine, MetaData, Table, create_engine, text
from sqlalchemy.exc import IntegrityError

from dreamjobsearch.storage.migrate import alembic_config, in_models, upgrade
from dreamjobsearch.storage.models import Base

FOUND = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)


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


@pytest.mark.slow
def test_processes_starting_together_migrate_one_at_a_time_on_sqlite(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'together.db'}"
    _upgrade_concurrently(url)
    engine = create_engine(url)
    with engine.connect() as connection:
        assert compare_metadata(_context(connection), Base.metadata) == []
    engine.dispose()


@pytest.mark.services
@pytest.mark.slow
def test_processes_starting_together_migrate_one_at_a_time_on_postgresql() -> None:
    with fresh_postgres_database() as url:
        _upgrade_concurrently(url)
        engine = create_engine(url)
        with engine.connect() as connection:
            assert compare_metadata(_context(connection), Base.metadata) == []
        engine.dispose()


def _posting(source: str, external_id: str, **fields: Any) -> dict[str, Any]:
    """A postings row as revision 0011 stores it."""
    return {
        "source": source,
        "external_id": external_id,
        "link": f"https://example.com/{source}/{external_id}",
        "title": f"Engineer {external_id}",
        "company": "Example",
        "location": "Berlin",
        "description": "",
        "created_at": FOUND,
        "salary": "",
        "employment_type": "",
        "seniority_level": "",
        "job_function": "",
        "industries": "",
        "search_indexed": False,
        **fields,
    }


def _link(user_id: int, posting_id: int, hours: int) -> dict[str, Any]:
    """A user_postings row as revision 0011 stores it, found `hours` after FOUND."""
    return {
        "user_id": user_id,
        "posting_id": posting_id,
        "query": "engineer",
        "location": "",
        "found_at": FOUND + timedelta(hours=hours),
        "status": "new",
        "note": "",
        "group_id": posting_id,
        "posting_company": "Example",
        "posting_location": "Berlin",
        "linked_version": 1,
    }


def _tables(engine: Engine) -> dict[str, Table]:
    """The tables as the database holds them now."""
    tables = MetaData()
    tables.reflect(engine)
    return dict(tables.tables)


def _existing_postings_become_private_to_their_first_finder(url: str) -> None:
    """Migrations 0012 and 0013 over a database holding accounts, postings and links."""
    upgrade(url, "0011")
    engine = create_engine(url)
    tables = _tables(engine)
    with engine.begin() as connection:
        users = [
            connection.execute(
                tables["users"].insert(),
                {
                    "email": f"u{n}@example.com",
                    "password_hash": "x",
                    "is_active": True,
                    "created_at": FOUND,
                    "workspace_config": {},
                },
            ).inserted_primary_key[0]
            for n in range(3)
        ]
        postings = [
            connection.execute(tables["postings"].insert(), row).inserted_primary_key[0]
            for row in (
                _posting("linkedin", "111"),  # found by the second user, then the first
                _posting("import", "https://example.com/a"),  # found by the third
                _posting("greenhouse", "9"),  # nobody has it any more
            )
        ]
        connection.execute(
            tables["user_postings"].insert(),
            [
                _link(users[1], postings[0], 0),
                _link(users[0], postings[0], 5),
                _link(users[2], postings[1], 1),
            ],
        )
    upgrade(url)
    table = _tables(engine)["postings"]
    with engine.begin() as connection:
        owners = connection.execute(
            text("SELECT id, owner_id, shared FROM postings ORDER BY id")
        ).all()
        assert [(pid, owner, bool(shared)) for pid, owner, shared in owners] == [
            (postings[0], users[1], False),
            (postings[1], users[2], False),
            (postings[2], None, False),
        ]
        assert connection.execute(text("SELECT count(*) FROM user_postings")).scalar() == 3
    # A board's copy of an identity may now sit beside users' own, once each.
    board_copy = _posting("linkedin", "111", shared=True)
    with engine.begin() as connection:
        connection.execute(table.insert(), [board_copy])
        connection.execute(table.insert(), [_posting("linkedin", "111", owner_id=users[0])])
    for duplicate in (board_copy, _posting("linkedin", "111", owner_id=users[1])):
        with pytest.raises(IntegrityError), engine.begin() as connection:
            connection.execute(table.insert(), [duplicate])
    # Every account is kept, and the id of the last one deleted is never given again.
    with engine.begin() as connection:
        connection.execute(text("DELETE FROM users WHERE id = :id"), {"id": users[2]})
        assert connection.execute(text("SELECT count(*) FROM users")).scalar() == 2
        account = {"email": "new@example.com", "password_hash": "x", "is_active": True}
        account |= {"created_at": FOUND}
        new = connection.execute(_tables(engine)["users"].insert(), account)
        assert new.inserted_primary_key[0] > users[2]
    engine.dispose()


def test_existing_postings_become_private_to_their_first_finder_on_sqlite(
    tmp_path: Path,
) -> None:
    _existing_postings_become_private_to_their_first_finder(f"sqlite:///{tmp_path / 'existing.db'}")


@pytest.mark.services
def test_existing_postings_become_private_to_their_first_finder_on_postgresql() -> None:
    with fresh_postgres_database() as url:
        _existing_postings_become_private_to_their_first_finder(url)


def _the_unwritten_workspace_config_is_dropped(url: str) -> None:
    """Migration 0015 over accounts that have the column, and back."""
    upgrade(url, "0014")
    engine = create_engine(url)
    account = {"email": "kept@example.com", "password_hash": "x", "is_active": True}
    account |= {"created_at": FOUND, "workspace_config": {}}
    with engine.begin() as connection:
        kept = connection.execute(_tables(engine)["users"].insert(), account)
    user_id = kept.inserted_primary_key[0]
    upgrade(url)
    users = _tables(engine)["users"]
    assert "workspace_config" not in users.c
    with engine.begin() as connection:
        rows = connection.execute(text("SELECT id, email FROM users")).all()
        assert [tuple(row) for row in rows] == [(user_id, "kept@example.com")]
    command.downgrade(alembic_config(url), "0014")
    with engine.begin() as connection:
        config = connection.execute(text("SELECT workspace_config FROM users")).scalar_one()
    assert config in ("{}", {})
    engine.dispose()


def test_the_unwritten_workspace_config_is_dropped_on_sqlite(tmp_path: Path) -> None:
    _the_unwritten_workspace_config_is_dropped(f"sqlite:///{tmp_path / 'config.db'}")


@pytest.mark.services
def test_the_unwritten_workspace_config_is_dropped_on_postgresql() -> None:
    with fresh_postgres_database() as url:
        _the_unwritten_workspace_config_is_dropped(url)


def _the_empty_session_data_is_dropped(url: str) -> None:
    """Migration 0016 over a stored session, and back."""
    upgrade(url, "0015")
    engine = create_engine(url)
    account = {"email": "kept@example.com", "password_hash": "x", "is_active": True}
    account |= {"created_at": FOUND}
    with engine.begin() as connection:
        user_id = connection.execute(_tables(engine)["users"].insert(), account)
        session = {"sid": "a" * 64, "user_id": user_id.inserted_primary_key[0]}
        session |= {"email": "kept@example.com", "created_at": 1.0, "last_accessed": 2.0}
        session |= {"expires_at": 3.0, "data": {}, "device": "Firefox on Linux"}
        connection.execute(_tables(engine)["sessions"].insert(), session)
    upgrade(url)
    assert "data" not in _tables(engine)["sessions"].c
    with engine.begin() as connection:
        rows = connection.execute(text("SELECT sid, user_id, device FROM sessions")).all()
        assert [tuple(row) for row in rows] == [("a" * 64, session["user_id"], "Firefox on Linux")]
        # The table keeps its indexes: the sweeper's and a user's lookups stay indexed.
        indexes = {index.name for index in _tables(engine)["sessions"].indexes}
        assert "ix_sessions_last_accessed" in indexes
    command.downgrade(alembic_config(url), "0015")
    with engine.begin() as connection:
        data = connection.execute(text("SELECT data FROM sessions")).scalar_one()
    assert data in ("{}", {})
    engine.dispose()


def test_the_empty_session_data_is_dropped_on_sqlite(tmp_path: Path) -> None:
    _the_empty_session_data_is_dropped(f"sqlite:///{tmp_path / 'sessions.db'}")


@pytest.mark.services
def test_the_empty_session_data_is_dropped_on_postgresql() -> None:
    with fresh_postgres_database() as url:
        _the_empty_session_data_is_dropped(url)


def _flush_size(connection: Connection) -> int:
    return int(
        connection.execute(
            text("SELECT v FROM posting_search_config WHERE k = 'hashsize'")
        ).scalar_one()
    )


def test_the_sqlite_search_index_keeps_16_mb_of_new_tokens_before_writing(tmp_path: Path) -> None:
    """Migration 0020: FTS5 keeps 16 MB of new tokens before writing a segment (1 MB
    after a downgrade), and the index answers searches either way."""
    url = f"sqlite:///{tmp_path / 'search.db'}"
    upgrade(url)
    engine = create_engine(url)
    with engine.begin() as connection:
        assert _flush_size(connection) == 16 * 1024 * 1024
        connection.execute(
            text("INSERT INTO posting_search (rowid, title, body) VALUES (7, 'b0python', 'b0go')")
        )
        found = connection.execute(
            text("SELECT rowid FROM posting_search WHERE posting_search MATCH 'b0go'")
        )
        assert found.scalars().all() == [7]
    command.downgrade(alembic_config(url), "0019")
    with engine.begin() as connection:
        assert _flush_size(connection) == 1024 * 1024
    engine.dispose()
