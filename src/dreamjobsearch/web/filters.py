"""The results page's filters: keywords, location, which statuses, order, remote, posted
within, with a salary; kept in the URL."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import Depends, Query

from dreamjobsearch.domain.filters import PostingFilters
from dreamjobsearch.domain.tracking import HIDDEN_BY_DEFAULT, STATUSES, Status
from dreamjobsearch.errors import InvalidInputError
from dreamjobsearch.search.selection import Sort

ALL = "all"
RESULTS_PAGE_SIZE = 25
STATUS_LABELS: dict[Status, str] = {
    "new": "New",
    "interested": "Interested",
    "applied": "Applied",
    "interviewing": "Interviewing",
    "offer": "Offer",
    "rejected": "Rejected",
    "archived": "Archived",
}
SORT_LABELS: dict[Sort, str] = {"score": "Best match", "date": "Newest"}
# The "Posted within" choices: days, and their labels ("" is any date).
DAYS_LABELS: dict[str, str] = {
    "": "Any time",
    "1": "Last 24 hours",
    "7": "Last 7 days",
    "14": "Last 14 days",
    "30": "Last 30 days",
}
DEFAULT_VIEW = "Active"
DEFAULT_VIEW_HINT = "Active hides " + " and ".join(sorted(HIDDEN_BY_DEFAULT)) + " postings."


def keyword_list(text: str) -> list[str]:
    """Keywords typed comma-separated (the chips keep them that way), blanks dropped."""
    return [" ".join(part.split()) for part in text.split(",") if part.strip()]


def status_choices() -> list[tuple[str, str]]:
    """The status filter's options: `(value, label)`, the default view first."""
    return [("", DEFAULT_VIEW), (ALL, "All statuses"), *STATUS_LABELS.items()]


@dataclass(frozen=True, slots=True)
class Filters:
    """What the results page ranks: keywords, location, statuses shown (`""`: the default
    view, `"all"`, or one status), order, whether only remote, recent (`days`: posted
    within that many days, `""` any) or paid postings are shown, and the run whose new
    postings alone are shown (`""`: all postings)."""

    keywords: list[str]
    location: str = ""
    status: str = ""
    sort: Sort = "score"
    remote: bool = False
    days: str = ""
    salary: bool = False
    run: str = ""

    def __post_init__(self) -> None:
        if self.status not in ("", ALL, *STATUSES):
            raise InvalidInputError(f"unknown status {self.status!r}")
        if self.days not in DAYS_LABELS:
            raise InvalidInputError(
                "posted within is one of " + ", ".join(day for day in DAYS_LABELS if day) + " days"
            )

    def postings(self) -> PostingFilters:
        """The remote, date and salary filters to rank with."""
        return PostingFilters(self.remote, int(self.days) if self.days else None, self.salary)

    def statuses(self) -> list[Status] | None:
        """The statuses to rank among; None for the default view."""
        if not self.status:
            return None
        if self.status == ALL:
            return list(STATUSES)
        return [status for status in STATUSES if status == self.status]

    def query(self, **extra: Any) -> str:
        """These filters as a query string (plus `extra`), for links that keep them."""
        values: dict[str, Any] = {"keywords": ", ".join(self.keywords)}
        if self.location:
            values["location"] = self.location
        if self.status:
            values["status"] = self.status
        if self.sort != "score":
            values["sort"] = self.sort
        if self.remote:
            values["remote"] = "1"
        if self.days:
            values["days"] = self.days
        if self.salary:
            values["salary"] = "1"
        if self.run:
            values["run"] = self.run
        return urlencode({**values, **extra})


@dataclass(frozen=True, slots=True)
class FilterQuery:
    """The results filters as an address gives them (`keywords`, `location` None when it
    has none): the results page, its export and a posting page opened from it read the
    same."""

    keywords: str | None
    location: str | None
    status: str
    sort: Sort
    remote: bool
    days: str
    salary: bool
    run: str

    def filters(self, saved: Sequence[str] = (), saved_location: str | None = None) -> Filters:
        """The checked filters. `saved` keywords stand in when the address has none, and
        `saved_location` when it has neither keywords nor a location: a bare visit starts
        where the viewer left off, any address that says what to rank says it all."""
        words = list(saved) if self.keywords is None else keyword_list(self.keywords)
        place = self.location
        if place is None:
            place = (saved_location or "") if self.keywords is None else ""
        return Filters(
            words,
            place.strip(),
            self.status,
            self.sort,
            self.remote,
            self.days,
            self.salary,
            self.run,
        )


async def filter_query(
    keywords: Annotated[str | None, Query(max_length=5000)] = None,
    location: Annotated[str | None, Query(max_length=200)] = None,
    status: Annotated[str, Query(max_length=20)] = "",
    sort: Sort = "score",
    remote: bool = False,
    days: Annotated[str, Query(max_length=5)] = "",
    salary: bool = False,
    run: Annotated[str, Query(max_length=64)] = "",
) -> FilterQuery:
    """The results filters of the request's address."""
    return FilterQuery(keywords, location, status, sort, remote, days, salary, run)


FilterQueryDep = Annotated[FilterQuery, Depends(filter_query)]
