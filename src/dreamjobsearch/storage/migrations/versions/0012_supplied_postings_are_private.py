"""postings.shared and postings.owner_id: what users supply is private to them

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-05 07:30:00.000000

A posting the server fetched from a board is `shared` (once per identity, for every user's
runs); one a user imported is private to `owner_id` (once per identity for that user), so an
import can never stand in for a board's posting in other users' results.

Nothing stored before this revision says whether the server fetched it or a user imported it
(an import could name any board and id), so no existing posting is trusted to be shared: each
becomes private to the user who found it first. Everyone keeps every posting they have (the
other users linked to one keep their link); a board run only fetches again, once for
everyone, what a user did not have yet. A posting nobody has any more belongs to nobody and
is never linked again.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    with op.batch_alter_table("postings", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("shared", sa.Boolean(), nullable=False, server_default=sa.text("false"))
        )
        batch_op.add_column(sa.Column("owner_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_postings_owner_id_users"),
            "users",
            ["owner_id"],
            ["id"],
            ondelete="SET NULL",
        )
        batch_op.create_index(batch_op.f("ix_postings_owner_id"), ["owner_id"], unique=False)
        batch_op.drop_constraint("uq_postings_identity", type_="unique")
        batch_op.create_unique_constraint(
            "uq_postings_identity", ["source", "external_id", "owner_id"]
        )
        batch_op.create_index(
            "uq_postings_shared_identity",
            ["source", "external_id"],
            unique=True,
            sqlite_where=sa.text("shared"),
            postgresql_where=sa.text("shared"),
        )
    op.execute(
        "UPDATE postings SET owner_id = (SELECT up.user_id FROM user_postings up "
        "WHERE up.posting_id = postings.id ORDER BY up.found_at, up.user_id LIMIT 1)"
    )


def downgrade() -> None:
    """Revert this revision (refused while two copies of one identity exist)."""
    with op.batch_alter_table("postings", schema=None) as batch_op:
        batch_op.drop_index("uq_postings_shared_identity")
        batch_op.drop_constraint("uq_postings_identity", type_="unique")
        batch_op.create_unique_constraint("uq_postings_identity", ["source", "external_id"])
        batch_op.drop_index(batch_op.f("ix_postings_owner_id"))
        batch_op.drop_constraint(batch_op.f("fk_postings_owner_id_users"), type_="foreignkey")
        batch_op.drop_column("owner_id")
        batch_op.drop_column("shared")
