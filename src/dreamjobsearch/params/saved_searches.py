"""A saved search: what an update run searches for, which of its new postings deserve an
alert, and when it runs again by itself.

Its schedule is either every N hours or daily at a time of day in the user's time zone (a
daily time follows that zone's daylight-saving changes: 08:00 in Europe/Warsaw is 08:00 there
in winter and in summer).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from typing import Annotated, Any, Self
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)

from dreamjobsearch.domain.ranking import normalize_keywords
from dreamjobsearch.params.update import Location, Query, UpdateParams
from dreamjobsearch.sources.catalog import SourceSpec

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Keyword = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
# "08:00", "8:30", "23:59"
TimeOfDay = Annotated[str, StringConstraints(pattern=r"^([01]?\d|2[0-3]):[0-5]\d$")]
MAX_EVERY_HOURS = 24 * 7


class SavedSearchSpec(BaseModel):
    """Everything a user saves: the run's parameters, the alert's rule, and the schedule.

    Exactly one of `every_hours` and `daily_at` is given; `time_zone` (an IANA name, UTC by
    default) says which day and hour `daily_at` means.
    """

    model_config = ConfigDict(extra="forbid")

    name: Name
    queries: list[Query] = Field(min_length=1, max_length=50)
    locations: list[Location] = Field(default_factory=lambda: [""], max_length=50)
    sources: list[SourceSpec] | None = Field(default=None, min_length=1, max_length=20)
    published_after: datetime | None = None
    max_jobs_per_search: int = Field(default=100, ge=1, le=1000)
    keywords: list[Keyword] = Field(default_factory=list, max_length=64)
    location: Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)] | None = None
    min_score: int = Field(default=1, ge=1, le=64)
    every_hours: int | None = Field(default=None, ge=1, le=MAX_EVERY_HOURS)
    daily_at: TimeOfDay | None = None
    time_zone: str = "UTC"
    email: bool = False

    @field_validator("keywords")
    @classmethod
    def _distinct_keywords(cls, value: list[str]) -> list[str]:
        return normalize_keywords(value)

    @field_validator("time_zone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        if not zone_exists(value):
            raise ValueError(f"unknown time zone {value!r}: use an IANA name such as Europe/Warsaw")
        return value

    @model_validator(mode="after")
    def _one_schedule(self) -> Self:
        if (self.every_hours is None) == (self.daily_at is None):
            raise ValueError("give a schedule: either every_hours or daily_at (not both)")
        return self

    def update_params(self) -> UpdateParams:
        """What each of its runs searches for."""
        return UpdateParams.model_validate(
            self.model_dump(
                include={
                    "queries",
                    "locations",
                    "sources",
                    "published_after",
                    "max_jobs_per_search",
                }
            )
        )

    def next_run(self, after: datetime) -> datetime:
        """When it runs next, strictly after `after` (aware)."""
        if self.every_hours is not None:
            return after + timedelta(hours=self.every_hours)
        assert self.daily_at is not None  # the model's validator guarantees one schedule
        return next_daily(after, _time_of_day(self.daily_at), ZoneInfo(self.time_zone))

    def merged(self, changes: dict[str, Any]) -> SavedSearchSpec:
        """This search with `changes` applied (validated as a whole). Setting one schedule
        clears the other, so a PATCH of `{"daily_at": "08:00"}` to an hourly search works."""
        data = self.model_dump()
        if changes.get("every_hours") is not None:
            data["daily_at"] = None
        if changes.get("daily_at") is not None:
            data["every_hours"] = None
        data.update(changes)
        return SavedSearchSpec.model_validate(data)


def next_daily(after: datetime, at: time, zone: ZoneInfo) -> datetime:
    """The first moment after `after` whose wall-clock time in `zone` is `at` (UTC).

    On a day whose clocks skip `at` (spring forward) the run happens at the same offset
    as before the change, an hour later on the wall clock; it is never skipped.
    """
    local = after.astimezone(zone)
    day: date = local.date()
    for _ in range(3):
        candidate = datetime.combine(day, at, tzinfo=zone).astimezone(UTC)
        if candidate > after:
            return candidate
        day += timedelta(days=1)
    raise AssertionError("a daily time always recurs within three days")


def _time_of_day(text: str) -> time:
    hours, minutes = text.split(":")
    return time(int(hours), int(minutes))


@lru_cache(maxsize=256)
def zone_exists(name: str) -> bool:
    """Whether `name` is an IANA time zone this machine knows (cached: names repeat)."""
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True
