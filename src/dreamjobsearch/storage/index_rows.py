"""A posting's row of the search index, encoded from its index tokens (`search_terms.py`).

CPU work only, no database: an import encodes its rows in a reader process
(`dreamjobsearch.imports`) that never loads the database layer. On SQLite the row is the
FTS5 table's two columns; on PostgreSQL a tsvector's text with each token's positions.
PostgreSQL keeps at most 256 positions per token and none past 16,383, so a very long
description may not fit; its row is then marked inexact and matched by the rule itself.
"""

from __future__ import annotations

from itertools import chain
from typing import Any

from dreamjobsearch.storage.search_terms import text_tokens

PG_MAX_POSITION = 16383
PG_MAX_POSITIONS_PER_TOKEN = 256
# Every position a tsvector holds, as text: a posting's hundreds are looked up, not formatted.
_POSITION_TEXT = tuple(str(position) for position in range(PG_MAX_POSITION + 1))


def _sqlite_row(title: list[str], description: list[str]) -> dict[str, Any]:
    return {"title": " ".join(title), "body": " ".join(description)}


def _postgresql_row(title: list[str], description: list[str]) -> dict[str, Any]:
    # One unused position between title and description: a phrase never spans the two.
    start = len(title) + 2
    numbers = chain(_POSITION_TEXT[1 : start - 1], _POSITION_TEXT[start:])
    positions: dict[str, list[str]] = {}
    # Positions past the last PostgreSQL keeps run out of numbers: those tokens are left out.
    for token, number in zip(chain(title, description), numbers, strict=False):
        positions.setdefault(token, []).append(number)
    last = start - 1 + len(description) if description else len(title)
    exact = last <= PG_MAX_POSITION
    parts = []
    for token, found in positions.items():
        if len(found) > PG_MAX_POSITIONS_PER_TOKEN:
            exact = False
            found = found[:PG_MAX_POSITIONS_PER_TOKEN]
        parts.append(f"{token}:{','.join(found)}")
    return {"terms": " ".join(parts), "exact": exact}


def encode_tokens(title: list[str], description: list[str], postgresql: bool) -> dict[str, Any]:
    """A posting's row of the search index, but for its `id`, from the `text_tokens` of
    its title and description."""
    return (_postgresql_row if postgresql else _sqlite_row)(title, description)


def encode_for_index(title: str, description: str, postgresql: bool) -> dict[str, Any]:
    """A posting's row of the search index, but for its `id` (CPU work: tokenising)."""
    return encode_tokens(text_tokens(title), text_tokens(description), postgresql)
