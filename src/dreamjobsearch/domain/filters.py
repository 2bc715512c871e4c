"""What narrows a ranking besides keywords, location and status: remote jobs, recent
postings, postings that show a salary. The rule here is the reference the fast path in
`search/` must agree with."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from dreamjobsearch.domain.postings import StoredPosting

MAX_POSTED_WITHIN_DAYS = 3650
# Boards' own remote flags are stored as `Remote` in the location (sources/boards.py), so a
# location saying so covers both; the other words are how postings spell it in text.
_REMOTE = re.compile(
    r"(?<!\w)(?:remote|anywhere|home\s*office|work\s+from\s+home|wfh)(?!\w)", re.IGNORECASE
)


def is_remote(location: str) -> bool:
    """Whether a posting's location says the job is remote (`Remote`, `Anywhere`,
    `Homeoffice`, `Work from home`, as whole words in any case)."""
    return _REMOTE.search(location) is not None


def has_salary(salary: str) -> bool:
    """Whether a posting states a salary (anything but blank)."""
    return bool(salary.strip())


@dataclass(frozen=True, slots=True)
class PostingFilters:
    """Which postings a ranking keeps: only remote ones, only those posted within the last
    `posted_within_days` days (undated postings are left out), only those with a salary."""

    remote: bool = False
    posted_within_days: int | None = None
    has_salary: bool = False

    def posted_after(self, now: datetime) -> datetime | None:
        """The oldest posting date kept, as of `now` (None: any date, or none)."""
        if self.posted_within_days is None:
            return None
        return now - timedelta(days=self.posted_within_days)

    def keeps(self, posting: StoredPosting, posted_after: datetime | None) -> bool:
        """Whether `posting` passes these filters, dates counted from `posted_after`
        (`posted_after(now)`, worked out once per ranking)."""
        if self.remote and not is_remote(posting.location):
            return False
        if posted_after is not None and (
            posting.posted_at is None or posting.posted_at < posted_after
        ):
            return False
        return not self.has_salary or has_salary(posting.salary)


NO_FILTERS = PostingFilters()
