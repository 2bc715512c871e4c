"""A company's Ashby job board, from its public Posting API.

`GET /posting-api/job-board/{board}?includeCompensation=true` lists every published job with
its HTML description and, where the company shows it, a compensation summary.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal
from urllib.parse import quote

from dreamjobsearch.domain.postings import JobPosting
from dreamjobsearch.sources.boards import (
    BoardPage,
    BoardSource,
    board_jobs,
    flag,
    iso_datetime,
    job_id,
    location_text,
    mapping,
    names,
    required_text,
    text,
    title_from_slug,
)
from dreamjobsearch.sources.http import RunHttp
from dreamjobsearch.sources.kinds import CompanyBoardSpec, SourceKind, board_in_path, company_board
from dreamjobsearch.sources.text import html_to_text, plain_text

EMPLOYMENT_TYPES = {
    "FullTime": "Full-time",
    "PartTime": "Part-time",
    "Intern": "Internship",
    "Contract": "Contract",
    "Temporary": "Temporary",
}


class AshbySource(BoardSource):
    """The published jobs of one Ashby board, downloaded once and searched locally.

    Ashby's job list does not name the company: it is the board name title-cased. A job's
    location lists its primary and secondary locations, plus `Remote` for remote jobs.
    """

    name = "ashby"

    def __init__(self, http: RunHttp, base_url: str, board: str) -> None:
        super().__init__(http, base_url, f"{self.name}:{board}")
        self.board = board
        self.company = title_from_slug(board)
        self._board_url = f"{self.base_url}/posting-api/job-board/{quote(board, safe='')}"

    async def _fetch_page(self, number: int) -> BoardPage:
        document = await self.http.get_json(self._board_url, {"includeCompensation": "true"})
        return BoardPage(board_jobs(document, "jobs", self.label))

    def _parse_job(self, job: Mapping[str, Any]) -> JobPosting:
        places = [text(job, "location"), *names(job, "secondaryLocations", "location")]
        places = [plain_text(place) for place in places]
        employment = text(job, "employmentType")
        return JobPosting(
            source=self.name,
            external_id=job_id(job, "id"),
            link=required_text(job, "jobUrl"),
            title=plain_text(required_text(job, "title")),
            company=self.company,
            location=location_text(places, flag(job, "isRemote")),
            description=html_to_text(text(job, "descriptionHtml")),
            posted_at=iso_datetime(job, "publishedAt"),
            salary=text(mapping(job, "compensation"), "compensationTierSummary"),
            employment_type=EMPLOYMENT_TYPES.get(employment, employment),
            job_function=text(job, "department"),
        )


class AshbySourceSpec(CompanyBoardSpec):
    """A company's Ashby job board."""

    type: Literal["ashby"]
    title = "Ashby"


KIND = SourceKind(
    spec=AshbySourceSpec,
    build=company_board(AshbySource),
    default_base_url="https://api.ashbyhq.com",
    about="Ashby's posting API.",
    board_at=board_in_path("jobs.ashbyhq.com"),
)
