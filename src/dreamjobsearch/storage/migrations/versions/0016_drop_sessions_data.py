"""sessions: drop data, which is always empty now

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-05 13:10:00.000000

A session's `data` was a copy of the account's `workspace_config` (dropped in 0015), made at
login; with that gone every row holds `{}`. A session's live state is its user's workspace in
each process (`workspace_pool.py`), so the column, and its serialisation in the database and
Redis stores, go too.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    # SQLite rebuilds the table (its indexes and its foreign key to users come along).
    with op.batch_alter_table("sessions") as batch:
        batch.drop_column("data")


def downgrade() -> None:
    """Revert this revision: every session's data back as `{}`, what it always held."""
    with op.batch_alter_table("sessions") as batch:
        batch.add_column(sa.Column("data", sa.JSON(), nullable=False, server_default="{}"))
