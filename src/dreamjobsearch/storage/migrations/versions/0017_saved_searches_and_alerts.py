"""saved_searches and alerts; runs record the saved search that started them and why its
alert email failed

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-05 22:00:00.000000

Saved searches rerun on a schedule (`next_run_at`, claimed by one process at a time), and
the postings new to the user that match one become alerts, read in the app.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "saved_searches",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("spec", sa.JSON(), nullable=False),
        sa.Column("next_run_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_run_id", sa.String(length=32), nullable=True),
        sa.Column("last_run_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_saved_searches_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_saved_searches")),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_saved_searches_due", "saved_searches", ["next_run_at"])
    op.create_index(op.f("ix_saved_searches_user_id"), "saved_searches", ["user_id"])
    op.create_table(
        "alerts",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("posting_id", sa.Integer(), nullable=False),
        sa.Column("saved_search_id", sa.Integer(), nullable=True),
        sa.Column("run_id", sa.String(length=32), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("matched", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("read_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_alerts_user_id_users"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["posting_id"],
            ["postings.id"],
            name=op.f("fk_alerts_posting_id_postings"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["saved_search_id"],
            ["saved_searches.id"],
            name=op.f("fk_alerts_saved_search_id_saved_searches"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alerts")),
        sa.UniqueConstraint("user_id", "posting_id", name=op.f("uq_alerts_user_id")),
    )
    op.create_index("ix_alerts_user_created", "alerts", ["user_id", "created_at"])
    # SQLite rebuilds the table to add a column with a foreign key.
    with op.batch_alter_table("runs") as batch:
        batch.add_column(sa.Column("saved_search_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("digest_error", sa.Text(), nullable=True))
        batch.create_foreign_key(
            op.f("fk_runs_saved_search_id_saved_searches"),
            "saved_searches",
            ["saved_search_id"],
            ["id"],
            ondelete="SET NULL",
        )
        batch.create_index(op.f("ix_runs_saved_search_id"), ["saved_search_id"])


def downgrade() -> None:
    """Revert this revision."""
    with op.batch_alter_table("runs") as batch:
        batch.drop_index(op.f("ix_runs_saved_search_id"))
        batch.drop_constraint(op.f("fk_runs_saved_search_id_saved_searches"), type_="foreignkey")
        batch.drop_column("digest_error")
        batch.drop_column("saved_search_id")
    op.drop_index("ix_alerts_user_created", table_name="alerts")
    op.drop_table("alerts")
    op.drop_index(op.f("ix_saved_searches_user_id"), table_name="saved_searches")
    op.drop_index("ix_saved_searches_due", table_name="saved_searches")
    op.drop_table("saved_searches")
