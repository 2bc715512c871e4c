"""log_tickets table: log-stream tickets shared by every process on the database

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-05 09:05:00.000000

A ticket from `POST /logs/ticket` lived in one process's memory, so behind a load balancer
another process refused it. Without Redis, the database and lazy session stores now keep
pending tickets here.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "log_tickets",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("sid", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("issued_at", sa.Float(), nullable=False),
        sa.Column("token_expires_at", sa.Float(), nullable=False),
        sa.Column("expires_at", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_log_tickets")),
    )
    with op.batch_alter_table("log_tickets", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_log_tickets_expires_at"), ["expires_at"], unique=False)


def downgrade() -> None:
    """Revert this revision."""
    with op.batch_alter_table("log_tickets", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_log_tickets_expires_at"))
    op.drop_table("log_tickets")
