"""Bodies of the saved-search and alert routes (the search itself is the domain's
`SavedSearchSpec`, validated as a whole)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

from dreamjobsearch.http_common.row_ids import MAX_ROW_ID
from dreamjobsearch.params.saved_searches import SavedSearchSpec
from dreamjobsearch.sources.catalog import SourceSpec
from dreamjobsearch.storage.alerts import AlertView
from dreamjobsearch.storage.models import SavedSearch

MAX_IDS = 1000


class SavedSearchPatch(BaseModel):
    """A partial edit: only the fields sent change, then the whole search is validated
    again (422 naming the field). Sending `every_hours` clears `daily_at` and the other way
    round."""

    model_config = ConfigDict(extra="forbid")

    name: str | None = None
    queries: list[str] | None = None
    locations: list[str] | None = None
    sources: list[SourceSpec] | None = None
    published_after: datetime | None = None
    max_jobs_per_search: int | None = None
    keywords: list[str] | None = None
    location: str | None = None
    min_score: int | None = None
    every_hours: int | None = None
    daily_at: str | None = None
    time_zone: str | None = None
    email: bool | None = None

    def changes(self) -> dict[str, Any]:
        """The fields the caller sent, as plain values."""
        return self.model_dump(exclude_unset=True)


class SavedSearchOut(SavedSearchSpec):
    """A saved search: what it searches for and when, and what its last start gave
    (`last_error` says why a due run did not start, e.g. too many runs going)."""

    model_config = ConfigDict(extra="ignore")

    id: int
    next_run_at: datetime
    last_run_id: str | None
    last_run_at: datetime | None
    last_error: str | None
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, search: SavedSearch) -> SavedSearchOut:
        """Shape a stored saved search."""
        return cls.model_validate(
            {
                **search.spec,
                "id": search.id,
                "next_run_at": search.next_run_at,
                "last_run_id": search.last_run_id,
                "last_run_at": search.last_run_at,
                "last_error": search.last_error,
                "created_at": search.created_at,
                "updated_at": search.updated_at,
            }
        )


class AlertOut(BaseModel):
    """A posting new to you that matched a saved search: why (`matched`, `score`) and where
    to read it (`link`, or `/postings/{posting_id}` in the app)."""

    id: int
    posting_id: int
    title: str
    company: str
    location: str
    link: str
    score: int
    matched: list[str]
    saved_search_id: int | None
    saved_search_name: str | None
    run_id: str
    created_at: datetime
    read_at: datetime | None

    @classmethod
    def of(cls, alert: AlertView) -> AlertOut:
        """Shape a stored alert."""
        return cls.model_validate(alert, from_attributes=True)


class AlertsOut(BaseModel):
    """Your alerts, newest first, and how many are unread (all of them, not only listed)."""

    unread: int
    alerts: list[AlertOut]


class MarkReadBody(BaseModel):
    """Which alerts to mark read: these ids, or every one when `ids` is left out."""

    model_config = ConfigDict(extra="forbid")

    ids: list[Annotated[int, Field(ge=1, le=MAX_ROW_ID)]] | None = Field(
        default=None, max_length=MAX_IDS
    )


class MarkedOut(BaseModel):
    """How many alerts were marked read, and how many are still unread."""

    marked: int
    unread: int
