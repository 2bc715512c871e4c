"""The ids in addresses (`/job-postings/{posting_id}`, `/web/saved-searches/{search_id}/run`,
...), bounded as the tables store them, for the JSON API and the pages alike.

A row id is a 32-bit `integer` on PostgreSQL; an id beyond it names no row, and SQLite
raises an error for one past 64 bits instead of finding nothing, so every route that takes
an id refuses one out of range (the API with 422, the pages with their 400 page) before it
reaches the database.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Path

MAX_ROW_ID = 2**31 - 1
"""The largest id a row can have."""

PostingId = Annotated[int, Path(ge=1, le=MAX_ROW_ID, description="a posting's id")]
SavedSearchId = Annotated[int, Path(ge=1, le=MAX_ROW_ID, description="a saved search's id")]
UserId = Annotated[int, Path(ge=1, le=MAX_ROW_ID, description="a user's id")]
