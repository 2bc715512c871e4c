"""user_tracking: a saved location beside the saved keywords

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-06 01:30:00.000000

"Save keywords" on the results page kept the keywords but dropped the location typed next to
them; the results page now starts from both. Null is no location (anywhere).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    with op.batch_alter_table("user_tracking") as batch:
        batch.add_column(sa.Column("location", sa.String(length=200), nullable=True))


def downgrade() -> None:
    """Revert this revision: the saved locations are forgotten."""
    with op.batch_alter_table("user_tracking") as batch:
        batch.drop_column("location")
