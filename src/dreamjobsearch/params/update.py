"""What an update run searches for: queries, locations, sources, how recent, how many."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

from dreamjobsearch.sources.catalog import SourceSpec

Query = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Location = Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)]


class UpdateParams(BaseModel):
    """What to search for in an update run."""

    model_config = ConfigDict(extra="forbid")

    queries: list[Query] = Field(min_length=1, max_length=50)
    locations: list[Location] = Field(default_factory=lambda: [""], max_length=50)
    sources: list[SourceSpec] | None = Field(default=None, min_length=1, max_length=20)
    published_after: datetime | None = None
    max_jobs_per_search: int = Field(default=100, ge=1, le=1000)

    @field_validator("published_after")
    @classmethod
    def _aware(cls, value: datetime | None) -> datetime | None:
        # Postings' dates are aware UTC; a date without a zone means UTC, not a crash.
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value
