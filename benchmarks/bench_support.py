"""What several benchmarks share: the sample postings generator and a PostgreSQL database
of a run's own."""

from __future__ import annotations

import contextlib
import importlib.util
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent


def generated_rows(count: int, seed: int) -> list[dict[str, Any]]:
    """`count` postings from examples/generate_postings.py, as rows of an import file."""
    spec = importlib.util.spec_from_file_location(
        "generate_postings", ROOT / "examples" / "generate_postings.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    rows: list[dict[str, Any]] = module.generate_postings(count, seed=seed)
    return rows


@contextlib.contextmanager
def postgres_database(admin_url: str) -> Iterator[str]:
    """A database of the run's own on `admin_url`'s server (a SQLAlchemy URL); dropped after."""
    admin = make_url(admin_url)
    conninfo = admin.set(drivername="postgresql").render_as_string(hide_password=False)
    name = f"dreamjob_bench_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(conninfo, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    try:
        yield admin.set(drivername="postgresql+psycopg", database=name).render_as_string(
            hide_password=False
        )
    finally:
        with psycopg.connect(conninfo, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
