"""users: an id is never given again (SQLite AUTOINCREMENT)

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-05 07:50:00.000000

SQLite gave a new account the id of the last account deleted, and what a process keeps by
user id (its ranking indexes, checked against a postings version that starts again at the
same numbers) then answered the new account with the deleted one's. With AUTOINCREMENT an
id is never given twice. PostgreSQL's sequences never reuse ids: nothing changes there.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    if op.get_bind().dialect.name != "sqlite":
        return
    with op.batch_alter_table(
        "users", recreate="always", table_kwargs={"sqlite_autoincrement": True}
    ):
        pass


def downgrade() -> None:
    """Revert this revision."""
    if op.get_bind().dialect.name != "sqlite":
        return
    with op.batch_alter_table(
        "users", recreate="always", table_kwargs={"sqlite_autoincrement": False}
    ):
        pass
