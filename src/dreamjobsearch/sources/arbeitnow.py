"""Arbeitnow's free job-board API: an aggregator of jobs in Germany and remote ones.

`GET /api/job-board-api?page=N` answers a page of postings, newest first, and in `links.next`
the URL of the next page (on Arbeitnow's own host).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal
from urllib.parse import parse_qs, urlsplit

from dreamjobsearch.domain.postings import JobPosting
from dreamjobsearch.sources.boards import (
    BoardPage,
    BoardSource,
    board_jobs,
    epoch_datetime,
    flag,
    location_text,
    required_text,
    text,
    texts,
)
from dreamjobsearch.sources.http import MalformedResponseError, RunHttp
from dreamjobsearch.sources.kinds import BaseSourceSpec, SourceKind, one_site
from dreamjobsearch.sources.text import html_to_text

DEFAULT_MAX_PAGES = 10


class ArbeitnowSource(BoardSource):
    """Arbeitnow's postings, page by page as searches need them (at most `max_pages`).

    Pages are cached, so later searches of a run read them again without requests. The next
    page is requested under our `base_url`: only the page number of `links.next` is used.
    """

    name = "arbeitnow"

    def __init__(self, http: RunHttp, base_url: str, max_pages: int = DEFAULT_MAX_PAGES) -> None:
        super().__init__(http, base_url, self.name, max_pages)
        self._api_url = f"{self.base_url}/api/job-board-api"

    async def _fetch_page(self, number: int) -> BoardPage:
        document = await self.http.get_json(self._api_url, {"page": number})
        jobs = board_jobs(document, "data", self.label)
        return BoardPage(jobs, self._next_page_number(document))

    def _next_page_number(self, document: Mapping[str, Any]) -> int | None:
        """The page number in `links.next`; None on the last page."""
        links = document.get("links")
        next_url = links.get("next") if isinstance(links, dict) else None
        if not next_url:
            return None
        query = urlsplit(next_url).query if isinstance(next_url, str) else ""
        pages = parse_qs(query).get("page", [])
        if len(pages) != 1 or not pages[0].isdigit():
            raise MalformedResponseError(f"{self.label}: links.next {next_url!r} names no page")
        return int(pages[0])

    def _parse_job(self, job: Mapping[str, Any]) -> JobPosting:
        return JobPosting(
            source=self.name,
            external_id=required_text(job, "slug"),
            link=required_text(job, "url"),
            title=required_text(job, "title"),
            company=text(job, "company_name"),
            location=location_text([text(job, "location")], flag(job, "remote")),
            description=html_to_text(text(job, "description")),
            posted_at=epoch_datetime(job, "created_at"),
            employment_type=", ".join(texts(job, "job_types")),
            job_function=", ".join(texts(job, "tags")),
        )


class ArbeitnowSourceSpec(BaseSourceSpec):
    """Arbeitnow's open job-board API (an aggregator)."""

    type: Literal["arbeitnow"]
    title = "Arbeitnow"


KIND = SourceKind(
    spec=ArbeitnowSourceSpec,
    build=one_site(ArbeitnowSource),
    default_base_url="https://www.arbeitnow.com",
    about="Arbeitnow's API.",
)
