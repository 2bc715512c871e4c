"""A company's Lever job site, from its public Postings API.

`GET /v0/postings/{board}?mode=json` lists every open posting: description and closing text
as HTML, requirements and the like as `lists` of `<li>` items, an optional salary range.
Employers leave a placeholder range (`{"min": 0, "max": 0}`) where they state no pay, list a
place twice in other spellings (`remote`, `Remote`) and escape entities twice (`&amp;amp;`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal
from urllib.parse import quote

from dreamjobsearch.domain.postings import JobPosting
from dreamjobsearch.sources.boards import (
    BoardPage,
    BoardSource,
    amount,
    board_jobs,
    entries,
    epoch_datetime,
    job_id,
    location_text,
    mapping,
    required_text,
    salary_range,
    text,
    texts,
    title_from_slug,
)
from dreamjobsearch.sources.http import RunHttp
from dreamjobsearch.sources.kinds import CompanyBoardSpec, SourceKind, board_in_path, company_board
from dreamjobsearch.sources.text import html_to_text, plain_text

MILLISECONDS = 1000
INTERVALS = {
    "per-year-salary": "per year",
    "per-month-salary": "per month",
    "per-week-salary": "per week",
    "per-day-wage": "per day",
    "per-hour-wage": "per hour",
    "one-time": "one-time",
}


class LeverSource(BoardSource):
    """The open postings of one Lever site, downloaded once and searched locally.

    Lever does not name the company: it is the site name title-cased (`acme-robotics` ->
    `Acme Robotics`).
    """

    name = "lever"

    def __init__(self, http: RunHttp, base_url: str, board: str) -> None:
        super().__init__(http, base_url, f"{self.name}:{board}")
        self.board = board
        self.company = title_from_slug(board)
        self._postings_url = f"{self.base_url}/v0/postings/{quote(board, safe='')}"

    async def _fetch_page(self, number: int) -> BoardPage:
        document = await self.http.get_json(self._postings_url, {"mode": "json"})
        return BoardPage(board_jobs(document, None, self.label))

    def _parse_job(self, job: Mapping[str, Any]) -> JobPosting:
        categories = mapping(job, "categories")
        places = texts(categories, "allLocations") or [text(categories, "location")]
        return JobPosting(
            source=self.name,
            external_id=job_id(job, "id"),
            link=required_text(job, "hostedUrl"),
            title=plain_text(required_text(job, "text")),
            company=self.company,
            location=location_text(
                [plain_text(place) for place in places], text(job, "workplaceType") == "remote"
            ),
            description=_description(job),
            posted_at=epoch_datetime(job, "createdAt", per_second=MILLISECONDS),
            salary=salary_text(mapping(job, "salaryRange")),
            employment_type=plain_text(text(categories, "commitment")),
            job_function=plain_text(text(categories, "team")),
        )


def _description(job: Mapping[str, Any]) -> str:
    """Description, then each list (its heading, then `- item` lines), then the closing."""
    sections = [html_to_text(text(job, "description"))]
    for entry in entries(job, "lists"):
        heading = html_to_text(text(entry, "text"))
        items = html_to_text(text(entry, "content"))
        sections.append("\n".join(part for part in (heading, items) if part))
    sections.append(html_to_text(text(job, "additional")))
    return "\n\n".join(section for section in sections if section)


def salary_text(salary: Mapping[str, Any]) -> str:
    """Lever's `salaryRange` as text (`boards.salary_range`): `EUR 60,000-80,000 per year`
    with an en dash; a placeholder range (`{"min": 0, "max": 0}`) is `""`, no salary."""
    interval = text(salary, "interval")
    return salary_range(
        amount(salary, "min"),
        amount(salary, "max"),
        text(salary, "currency"),
        INTERVALS.get(interval, interval),
    )


class LeverSourceSpec(CompanyBoardSpec):
    """A company's Lever job site."""

    type: Literal["lever"]
    title = "Lever"


KIND = SourceKind(
    spec=LeverSourceSpec,
    build=company_board(LeverSource),
    default_base_url="https://api.lever.co",
    about="Lever's postings API.",
    board_at=board_in_path("jobs.lever.co"),
)
