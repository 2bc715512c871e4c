"""The `JobSource` protocol and the values sources produce."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol


@dataclass(frozen=True, slots=True)
class JobLink:
    """A link to a posting found by a search, with the board's id for it."""

    source: str
    external_id: str
    url: str


@dataclass(frozen=True, slots=True)
class JobPosting:
    """One posting with everything a user sees. `(source, external_id)` is its identity."""

    source: str
    external_id: str
    link: str
    title: str
    company: str = ""
    location: str = ""
    description: str = ""
    posted_at: datetime | None = None
    salary: str = ""
    employment_type: str = ""
    seniority_level: str = ""
    job_function: str = ""
    industries: str = ""


class JobSource(Protocol):
    """A board or file that yields postings for a query and a location.

    `problems` lists items the source skipped (a malformed job in a board, a bad row in a
    file); the pipeline counts and reports them as errors. `server_fetched` says whether
    its postings come from a board the server itself asked: only those are shared with
    other users; a user's file is stored for that user alone.
    """

    name: str
    problems: list[str]
    server_fetched: bool

    def search(
        self, query: str, location: str, since: datetime | None, limit: int
    ) -> AsyncIterator[JobLink | JobPosting]:
        """Yield links (or whole postings, for boards whose search returns them)."""
        ...

    async def fetch(self, link: JobLink) -> JobPosting:
        """Fetch the posting behind a link."""
        ...
