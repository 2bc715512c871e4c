"""The `JobSource` protocol: what a board or a file offers the update pipeline."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime
from typing import Protocol

from dreamjobsearch.domain.postings import JobLink, JobPosting


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
