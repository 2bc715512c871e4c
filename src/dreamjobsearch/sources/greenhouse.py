"""A company's Greenhouse job board, from its public Job Board API.

`GET /v1/boards/{board}/jobs?content=true` lists every open job with its description (HTML,
itself HTML-escaped); `GET /v1/boards/{board}` names the company.
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
    iso_datetime,
    job_id,
    mapping,
    names,
    required_text,
    text,
    title_from_slug,
)
from dreamjobsearch.sources.http import FetchError, RunHttp
from dreamjobsearch.sources.kinds import CompanyBoardSpec, SourceKind, board_in_path, company_board
from dreamjobsearch.sources.text import escaped_html_to_text

NOT_FOUND = 404


class GreenhouseSource(BoardSource):
    """The open jobs of one Greenhouse board, downloaded once and searched locally.

    The company is the board's display name, or the board name title-cased when the board
    has none (its info endpoint answers 404). A job's date is its first publication, or its
    last update for jobs that lack one.
    """

    name = "greenhouse"

    def __init__(self, http: RunHttp, base_url: str, board: str) -> None:
        super().__init__(http, base_url, f"{self.name}:{board}")
        self.board = board
        self.company = title_from_slug(board)
        self._board_url = f"{self.base_url}/v1/boards/{quote(board, safe='')}"

    async def _fetch_page(self, number: int) -> BoardPage:
        document = await self.http.get_json(f"{self._board_url}/jobs", {"content": "true"})
        jobs = board_jobs(document, "jobs", self.label)
        await self._learn_company()
        return BoardPage(jobs)

    async def _learn_company(self) -> None:
        """Take the company's name from the board's info, if the board has it."""
        try:
            info = await self.http.get_json(self._board_url)
        except FetchError as error:
            if error.status != NOT_FOUND:
                raise
            return
        name = info.get("name") if isinstance(info, dict) else None
        if isinstance(name, str) and name.strip():
            self.company = name.strip()

    def _parse_job(self, job: Mapping[str, Any]) -> JobPosting:
        return JobPosting(
            source=self.name,
            external_id=job_id(job, "id"),
            link=required_text(job, "absolute_url"),
            title=required_text(job, "title"),
            company=self.company,
            location=text(mapping(job, "location"), "name"),
            description=escaped_html_to_text(text(job, "content")),
            posted_at=iso_datetime(job, "first_published") or iso_datetime(job, "updated_at"),
            job_function=", ".join(names(job, "departments", "name")),
        )


class GreenhouseSourceSpec(CompanyBoardSpec):
    """A company's Greenhouse job board."""

    type: Literal["greenhouse"]
    title = "Greenhouse"


KIND = SourceKind(
    spec=GreenhouseSourceSpec,
    build=company_board(GreenhouseSource),
    default_base_url="https://boards-api.greenhouse.io",
    about="Greenhouse's board API.",
    board_at=board_in_path("boards.greenhouse.io", "job-boards.greenhouse.io"),
)
