"""Alembic environment: runs migrations on a sync connection to the configured URL."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine, pool

from dreamjobsearch.storage.models import Base

config = context.config
target_metadata = Base.metadata


def run_migrations() -> None:
    """Run every pending migration inside one transaction."""
    url = config.attributes["database_url"]
    engine = create_engine(url, poolclass=pool.NullPool)
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
        )
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


run_migrations()
