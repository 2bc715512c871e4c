"""posting_search (SQLite): FTS5 keeps up to 16 MB of new index data before writing it

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-06 19:45:00.000000

FTS5 holds the tokens of rows a transaction inserts in memory and writes them out as a new
segment of its index whenever they pass its `hashsize` (1 MB by default), then merges
segments in the background of later writes. An import's piece of 2,500 postings (several
megabytes of text) was written as about ten small segments, and merging them again and again
was half of the import's index time: with 16 MB a piece is one segment, written at its
commit (benchmarks/ingest.py: the index's share of 50,000 postings 3.5 s -> 1.8 s). Reads
gain too: fewer segments to search. The memory is held only while a transaction writes.

`hashsize` is one of FTS5's configuration values, stored in the table's `_config` shadow
table like `automerge` and `pgsz` and read by every SQLite since FTS5's first release (its
`fts5_config.c`), though SQLite's documentation does not list it. PostgreSQL's index is a
column of its own, with nothing of the kind.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FLUSH_BYTES = 16 * 1024 * 1024
DEFAULT_FLUSH_BYTES = 1024 * 1024


def _set_flush_size(size: int) -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute(
            sa.text(
                "INSERT INTO posting_search (posting_search, rank) VALUES ('hashsize', :size)"
            ).bindparams(size=size)
        )


def upgrade() -> None:
    """Apply this revision."""
    _set_flush_size(FLUSH_BYTES)


def downgrade() -> None:
    """Revert this revision: FTS5's default flush size again."""
    _set_flush_size(DEFAULT_FLUSH_BYTES)
