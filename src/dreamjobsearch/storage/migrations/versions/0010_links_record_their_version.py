"""user_postings.linked_version: each link records the postings version that added it

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03 12:30:00.000000

A ranking index held at version N is brought up to date by reading only the links added
after N (indexed per user) and placing each after its neighbour in ranking order, instead of
reading the user's whole order again. Links made before this revision record 0: no index
built from now on predates them. The stored indexes are dropped, since they may predate links
that now record 0; each is built again on its user's next ranking.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    with op.batch_alter_table("user_postings", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("linked_version", sa.Integer(), nullable=False, server_default="0")
        )
        batch_op.create_index(
            "ix_user_postings_linked", ["user_id", "linked_version"], unique=False
        )
    op.execute("DELETE FROM ranking_keyword_sets")
    op.execute("DELETE FROM ranking_snapshots")


def downgrade() -> None:
    """Revert this revision."""
    with op.batch_alter_table("user_postings", schema=None) as batch_op:
        batch_op.drop_index("ix_user_postings_linked")
        batch_op.drop_column("linked_version")
