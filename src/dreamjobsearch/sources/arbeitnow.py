"""Arbeitnow's free job-board API: an aggregator of jobs in Germany and remote ones.

`GET /api/job-board-api?page=N` answers a page of postings, newest first, and in `links.next`
the URL of the next page (on Arbeitnow's own host). A job's `job_types` mixes, in German or
English, how senior the job is (`berufserfahren`, `Professional / Experienced`,
`geschäftsleitung`) with how it is employed (`vollzeit`, `Full-time`), and at times says
`remote`: each goes to its own field. Descriptions come as HTML, at times HTML-escaped.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
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
from dreamjobsearch.sources.text import html_to_text, plain_text

DEFAULT_MAX_PAGES = 10
# `job_types` words, lower-cased, by what they say and in the words users read.
SENIORITY_LEVELS = {
    "berufseinsteiger": "Entry level",
    "berufseinstieg": "Entry level",
    "entry level": "Entry level",
    "entry-level": "Entry level",
    "graduate": "Entry level",
    "junior": "Junior",
    "berufserfahren": "Experienced",
    "mit berufserfahrung": "Experienced",
    "professional / experienced": "Experienced",
    "professional": "Experienced",
    "experienced": "Experienced",
    "mid level": "Experienced",
    "mid-level": "Experienced",
    "senior": "Senior",
    "teamleitung": "Team lead",
    "team lead": "Team lead",
    "führungskraft": "Management",
    "management": "Management",
    "manager": "Management",
    "geschäftsleitung": "Executive",
    "geschäftsführung": "Executive",
    "executive": "Executive",
    "praktikum": "Internship",
    "praktikant": "Internship",
    "internship": "Internship",
    "intern": "Internship",
    "werkstudent": "Working student",
    "working student": "Working student",
    "student": "Working student",
    "ausbildung": "Apprenticeship",
    "apprenticeship": "Apprenticeship",
    "trainee": "Trainee",
}
EMPLOYMENT_TYPES = {
    "vollzeit": "Full-time",
    "full time": "Full-time",
    "full-time": "Full-time",
    "fulltime": "Full-time",
    "teilzeit": "Part-time",
    "part time": "Part-time",
    "part-time": "Part-time",
    "parttime": "Part-time",
    "festanstellung": "Permanent",
    "unbefristet": "Permanent",
    "permanent": "Permanent",
    "befristet": "Temporary",
    "temporary": "Temporary",
    "zeitarbeit": "Temporary",
    "contract": "Contract",
    "contractor": "Contract",
    "freelance": "Freelance",
    "freiberuflich": "Freelance",
    "minijob": "Mini job",
    "mini job": "Mini job",
}
REMOTE_WORDS = frozenset({"remote", "home office", "homeoffice"})


class ArbeitnowSource(BoardSource):
    """Arbeitnow's postings, page by page as searches need them (at most `max_pages`).

    Pages are cached, so later searches of a run read them again without requests. The next
    page is requested under our `base_url`: only the page number of `links.next` is used.
    """

    name = "arbeitnow"
    named_board = False

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
        kinds = JobTypes.of(texts(job, "job_types"))
        return JobPosting(
            source=self.name,
            external_id=required_text(job, "slug"),
            link=required_text(job, "url"),
            title=plain_text(required_text(job, "title")),
            company=plain_text(text(job, "company_name")),
            location=location_text(
                [plain_text(text(job, "location"))], flag(job, "remote") or kinds.remote
            ),
            description=html_to_text(text(job, "description")),
            posted_at=epoch_datetime(job, "created_at"),
            employment_type=", ".join(kinds.employment),
            seniority_level=", ".join(kinds.seniority),
            job_function=", ".join(texts(job, "tags")),
        )


@dataclass(frozen=True, slots=True)
class JobTypes:
    """What a job's `job_types` say, sorted: seniority, employment type, remote work.

    Words neither list knows are kept as the employment type, as Arbeitnow wrote them.
    """

    seniority: list[str]
    employment: list[str]
    remote: bool

    @classmethod
    def of(cls, words: list[str]) -> JobTypes:
        """Sort `job_types` words, each label once, in the order the board gave them."""
        seniority: dict[str, None] = {}
        employment: dict[str, None] = {}
        remote = False
        for word in words:
            shown = plain_text(word)
            key = shown.casefold()
            if key in REMOTE_WORDS:
                remote = True
            elif key in SENIORITY_LEVELS:
                seniority[SENIORITY_LEVELS[key]] = None
            else:
                employment[EMPLOYMENT_TYPES.get(key, shown)] = None
        return cls(list(seniority), list(employment), remote)


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
