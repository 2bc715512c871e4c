"""ix_user_postings_ranking also holds group_id: one index scan gives the ranking order
and each posting's cross-board group

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 15:00:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ORDER = ["user_id", "posted_at", "found_at", "posting_id"]


def upgrade() -> None:
    """Apply this revision."""
    with op.batch_alter_table("user_postings", schema=None) as batch_op:
        batch_op.drop_index("ix_user_postings_ranking")
        batch_op.create_index("ix_user_postings_ranking", [*ORDER, "group_id"], unique=False)


def downgrade() -> None:
    """Revert this revision."""
    with op.batch_alter_table("user_postings", schema=None) as batch_op:
        batch_op.drop_index("ix_user_postings_ranking")
        batch_op.create_index("ix_user_postings_ranking", ORDER, unique=False)
