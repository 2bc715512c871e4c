"""posting details and cross-board dedupe

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25 13:07:37.543422
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    with op.batch_alter_table("postings", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("salary", sa.String(length=512), nullable=False, server_default="")
        )
        batch_op.add_column(
            sa.Column("employment_type", sa.String(length=256), nullable=False, server_default="")
        )
        batch_op.add_column(
            sa.Column("seniority_level", sa.String(length=256), nullable=False, server_default="")
        )
        batch_op.add_column(
            sa.Column("job_function", sa.String(length=512), nullable=False, server_default="")
        )
        batch_op.add_column(
            sa.Column("industries", sa.String(length=512), nullable=False, server_default="")
        )
        batch_op.add_column(sa.Column("job_key", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("description_hash", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("group_id", sa.Integer(), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_postings_description_hash"), ["description_hash"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_postings_group_id"), ["group_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_postings_job_key"), ["job_key"], unique=False)

    with op.batch_alter_table("runs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("message", sa.Text(), nullable=True))

    # Postings stored before this revision each form their own group.
    op.execute("UPDATE postings SET group_id = id")


def downgrade() -> None:
    """Revert this revision."""
    with op.batch_alter_table("runs", schema=None) as batch_op:
        batch_op.drop_column("message")

    with op.batch_alter_table("postings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_postings_job_key"))
        batch_op.drop_index(batch_op.f("ix_postings_group_id"))
        batch_op.drop_index(batch_op.f("ix_postings_description_hash"))
        batch_op.drop_column("group_id")
        batch_op.drop_column("description_hash")
        batch_op.drop_column("job_key")
        batch_op.drop_column("industries")
        batch_op.drop_column("job_function")
        batch_op.drop_column("seniority_level")
        batch_op.drop_column("employment_type")
        batch_op.drop_column("salary")
