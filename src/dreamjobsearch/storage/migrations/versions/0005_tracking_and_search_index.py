"""tracking (notes, user_tracking), ranking order on user_postings, the keyword search index

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25 16:00:00.000000

The search index is dialect-specific and outside the ORM models: an FTS5 table on SQLite,
a table of tsvectors on PostgreSQL (see storage/search_index.py). Postings
stored before this revision have `search_indexed` false and are indexed on demand, so this
migration stays quick whatever the size of the database.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SQLITE_INDEX = (
    "CREATE VIRTUAL TABLE posting_search USING fts5("
    "title, body, content='', columnsize=0, detail=full, tokenize='ascii')"
)
POSTGRESQL_INDEX = (
    "CREATE TABLE posting_search ("
    "posting_id INTEGER PRIMARY KEY REFERENCES postings (id) ON DELETE CASCADE, "
    "terms TSVECTOR NOT NULL, "
    "exact BOOLEAN NOT NULL)",
    # Compressed in the row rather than moved out of it: a ranking reads every tsvector of
    # the user once, and fetching each from the TOAST table doubled that time.
    "ALTER TABLE posting_search ALTER COLUMN terms SET STORAGE MAIN",
    "CREATE INDEX ix_posting_search_inexact ON posting_search (posting_id) WHERE NOT exact",
)


def upgrade() -> None:
    """Apply this revision."""
    with op.batch_alter_table("postings", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("search_indexed", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.create_index(
            batch_op.f("ix_postings_search_indexed"), ["search_indexed"], unique=False
        )

    with op.batch_alter_table("user_postings", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("note", sa.String(length=2000), nullable=False, server_default="")
        )
        batch_op.add_column(sa.Column("posted_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("group_id", sa.Integer(), nullable=True))
        batch_op.create_index(
            "ix_user_postings_user_status", ["user_id", "status", "found_at"], unique=False
        )
        batch_op.create_index(
            "ix_user_postings_ranking",
            ["user_id", "posted_at", "found_at", "posting_id"],
            unique=False,
        )
        batch_op.create_index(
            "ix_user_postings_groups", ["user_id", "group_id", "posting_id"], unique=False
        )
    # Each link gets its posting's date and group (they never change once stored).
    op.execute(
        "UPDATE user_postings SET "
        "posted_at = (SELECT p.posted_at FROM postings p WHERE p.id = user_postings.posting_id), "
        "group_id = (SELECT coalesce(p.group_id, p.id) FROM postings p "
        "WHERE p.id = user_postings.posting_id)"
    )

    op.create_table(
        "user_tracking",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("postings_version", sa.Integer(), nullable=False),
        sa.Column("keywords", sa.JSON(), nullable=False),
        sa.Column("blocked_companies", sa.JSON(), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_user_tracking_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_user_tracking")),
    )

    if op.get_bind().dialect.name == "postgresql":
        for statement in POSTGRESQL_INDEX:
            op.execute(statement)
    else:
        op.execute(SQLITE_INDEX)


def downgrade() -> None:
    """Revert this revision."""
    op.execute("DROP TABLE posting_search")
    op.drop_table("user_tracking")

    with op.batch_alter_table("user_postings", schema=None) as batch_op:
        batch_op.drop_index("ix_user_postings_groups")
        batch_op.drop_index("ix_user_postings_ranking")
        batch_op.drop_index("ix_user_postings_user_status")
        batch_op.drop_column("group_id")
        batch_op.drop_column("posted_at")
        batch_op.drop_column("note")

    with op.batch_alter_table("postings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_postings_search_indexed"))
        batch_op.drop_column("search_indexed")
