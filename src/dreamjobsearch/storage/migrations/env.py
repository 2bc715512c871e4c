"""Alembic environment: runs migrations on a sync connection to the configured URL."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine, pool, text

from dreamjobsearch.storage.migrate import in_models
from dreamjobsearch.storage.models import Base

config = context.config
LOCK_KEY = 0x44524A42  # 'DRJB': the advisory lock that serialises migrations
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
            include_name=in_models,
        )
        with context.begin_transaction():
            if connection.dialect.name == "postgresql":
                # Processes starting together migrate one at a time; the lock ends with
                # the transaction, and the next process finds the schema up to date.
                connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": LOCK_KEY})
            context.run_migrations()
    engine.dispose()


run_migrations()
