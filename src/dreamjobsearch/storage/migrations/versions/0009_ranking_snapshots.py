"""ranking_snapshots and ranking_keyword_sets: users' ranking indexes kept in the database

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 19:00:00.000000

A process that has not ranked for a user (after a restart, or another API process) starts
from the index another process built, and from the keyword sets computed over it, instead
of reading every link and asking the search index for every keyword again.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "ranking_snapshots",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("postings_version", sa.Integer(), nullable=False),
        sa.Column("fingerprint", sa.LargeBinary(length=16), nullable=False),
        sa.Column("ids", sa.LargeBinary(), nullable=False),
        sa.Column("filed_ids", sa.LargeBinary(), nullable=False),
        sa.Column("filed_groups", sa.LargeBinary(), nullable=False),
        sa.Column("saved_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_ranking_snapshots_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_ranking_snapshots")),
    )
    op.create_table(
        "ranking_keyword_sets",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("keyword", sa.String(length=64), nullable=False),
        sa.Column("fingerprint", sa.LargeBinary(length=16), nullable=False),
        sa.Column("bitmap", sa.LargeBinary(), nullable=False),
        sa.Column("saved_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_ranking_keyword_sets_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", "keyword", name=op.f("pk_ranking_keyword_sets")),
    )


def downgrade() -> None:
    """Revert this revision."""
    op.drop_table("ranking_keyword_sets")
    op.drop_table("ranking_snapshots")
