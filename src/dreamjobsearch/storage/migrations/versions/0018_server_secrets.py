"""server_secrets table: the server's own credentials (the SMTP password), sealed as users'
secrets are

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-06 01:30:00.000000

An operator may keep a credential sealed at rest here instead of in the environment;
`dreamjob secrets set NAME` writes it and key rotation re-seals it with users' secrets.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "server_secrets",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("key_id", sa.String(length=16), nullable=False),
        sa.Column("sealed", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_server_secrets")),
    )
    with op.batch_alter_table("server_secrets", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_server_secrets_key_id"), ["key_id"], unique=False)


def downgrade() -> None:
    """Revert this revision."""
    with op.batch_alter_table("server_secrets", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_server_secrets_key_id"))
    op.drop_table("server_secrets")
