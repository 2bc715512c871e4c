"""users: drop workspace_config, which nothing ever wrote

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-05 12:50:00.000000

Every account's `workspace_config` stayed `{}`: no route, page or command wrote it, yet each
login copied it into the session record and each stateless request read it. A user's live
state is now their workspace in each process (`workspace_pool.py`), built from what the
app does store (tracking row, postings, ranking snapshots).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    # SQLite rebuilds the table: keep its AUTOINCREMENT (ids never reused, see 0013).
    with op.batch_alter_table("users", table_kwargs={"sqlite_autoincrement": True}) as batch:
        batch.drop_column("workspace_config")


def downgrade() -> None:
    """Revert this revision."""
    with op.batch_alter_table("users", table_kwargs={"sqlite_autoincrement": True}) as batch:
        batch.add_column(
            sa.Column("workspace_config", sa.JSON(), nullable=False, server_default="{}")
        )
