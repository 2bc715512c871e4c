"""users.is_admin: admin rights are a flag on the account

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-05 07:30:00.000000

Admin rights used to follow DREAMJOB_ADMIN_EMAILS, so whoever registered a listed address
first (or again, after the admin's account was deleted) was an admin. Now an account is an
admin only once `dreamjob admin grant` sets this flag. Every existing account starts without.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("is_admin", sa.Boolean(), nullable=False, server_default=sa.false())
        )


def downgrade() -> None:
    """Revert this revision."""
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("is_admin")
