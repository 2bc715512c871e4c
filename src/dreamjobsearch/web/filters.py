"""The results page's filters: keywords, location, which statuses, order; kept in the URL."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from dreamjobsearch.domain.tracking import HIDDEN_BY_DEFAULT, STATUSES, Status
from dreamjobsearch.errors import InvalidInputError
from dreamjobsearch.search.selection import Sort

ALL = "all"
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
    view, `"all"`, or one status), order, and the run whose new postings alone are shown
    (`""`: all postings)."""

    keywords: list[str]
    location: str = ""
    status: str = ""
    sort: Sort = "score"
    run: str = ""

    def __post_init__(self) -> None:
        if self.status not in ("", ALL, *STATUSES):
            raise InvalidInputError(f"unknown status {self.status!r}")

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
        if self.run:
            values["run"] = self.run
        return urlencode({**values, **extra})
