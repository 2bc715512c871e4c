"""A posting's row of the search index, encoded from its index tokens (`search_terms.py`).

CPU work only, no database: an import encodes its rows in a reader process
(`dreamjobsearch.imports`) that never loads the database layer. On SQLite the row is the
FTS5 table's two columns. On PostgreSQL it is a tsvector: each token with its positions,
as text for a statement's parameter (`encode_for_index`), or in the binary form the
server reads without parsing, for `COPY` (`encode_tokens`: an import's new postings).
PostgreSQL keeps at most 256 positions per token and none past 16,383, so a very long
description may not fit; its row is then marked inexact and matched by the rule itself.
"""

from __future__ import annotations

import struct
from itertools import chain
from typing import Any

from dreamjobsearch.storage.search_terms import text_tokens, token_text

PG_MAX_POSITION = 16383
PG_MAX_POSITIONS_PER_TOKEN = 256
# Every position a tsvector holds, as text: a posting's hundreds are looked up, not formatted.
_POSITION_TEXT = tuple(str(position) for position in range(PG_MAX_POSITION + 1))
_COUNT = struct.Struct(">i")


def sqlite_index_row(title: str, description: str) -> dict[str, Any]:
    """A posting's row of SQLite's index, but for its `id`, from the `token_text` of its
    title and description."""
    return {"title": title, "body": description}


def _positions(title: list[str], description: list[str]) -> tuple[dict[str, list[int]], bool]:
    """Each token's positions as PostgreSQL keeps them, and whether they are all there."""
    # One unused position between title and description: a phrase never spans the two.
    start = len(title) + 2
    numbers = chain(range(1, start - 1), range(start, PG_MAX_POSITION + 1))
    positions: dict[str, list[int]] = {}
    # Positions past the last PostgreSQL keeps run out of numbers: those tokens are left out.
    for token, number in zip(chain(title, description), numbers, strict=False):
        positions.setdefault(token, []).append(number)
    last = start - 1 + len(description) if description else len(title)
    exact = last <= PG_MAX_POSITION
    for token, found in positions.items():
        if len(found) > PG_MAX_POSITIONS_PER_TOKEN:
            exact = False
            positions[token] = found[:PG_MAX_POSITIONS_PER_TOKEN]
    return positions, exact


def _postgresql_row(title: list[str], description: list[str]) -> dict[str, Any]:
    positions, exact = _positions(title, description)
    parts = [
        f"{token}:{','.join(map(_POSITION_TEXT.__getitem__, found))}"
        for token, found in positions.items()
    ]
    return {"terms": " ".join(parts), "exact": exact}


def encode_tokens(title: list[str], description: list[str]) -> dict[str, Any]:
    """A new posting's row of PostgreSQL's index as `search_index.add_new_to_index` writes
    it, but for its `id`: the tsvector in binary form, from the `text_tokens` of its title
    and description."""
    # tsvector's binary form (PostgreSQL's tsvectorrecv): the number of lexemes, then each
    # lexeme NUL-terminated, its number of positions and each position, big-endian. Weight
    # bits 0 (D, the default). The server sorts the lexemes itself.
    positions, exact = _positions(title, description)
    parts = [_COUNT.pack(len(positions))]
    for token, found in positions.items():
        # Tokens are ASCII letters and digits (search_terms.py).
        parts.append(
            token.encode("ascii") + b"\0" + struct.pack(f">H{len(found)}H", len(found), *found)
        )
    return {"terms": b"".join(parts), "exact": exact}


def encode_for_index(title: str, description: str, postgresql: bool) -> dict[str, Any]:
    """A posting's row of the search index as statement parameters, but for its `id`
    (CPU work: tokenising)."""
    if postgresql:
        return _postgresql_row(text_tokens(title), text_tokens(description))
    return sqlite_index_row(token_text(title), token_text(description))
