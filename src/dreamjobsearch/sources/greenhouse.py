"""A company's Greenhouse job board, from its public Job Board API.

`GET /v1/boards/{board}/jobs?content=true` lists every open job with its description (HTML,
itself HTML-escaped) and, on newer boards, the company's name (`company_name`) and the custom
fields the company publishes (`metadata`); `GET /v1/boards/{board}` names the company.
A board with pay transparency on puts the pay inside the description, in
`<div class="pay-range"><span>$150,000</span><span class="divider">&mdash;</span>
<span>$180,000 USD</span></div>` (one per pay zone, each under a `title`): that is the
posting's salary, and it is taken out of the description, which would say it twice.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal
from urllib.parse import quote

from selectolax.lexbor import LexborHTMLParser, LexborNode

from dreamjobsearch.domain.postings import JobPosting
from dreamjobsearch.sources.boards import (
    BoardPage,
    BoardSource,
    board_jobs,
    entries,
    iso_datetime,
    job_id,
    mapping,
    names,
    required_text,
    text,
    texts,
    title_from_slug,
)
from dreamjobsearch.sources.http import FetchError, RunHttp
from dreamjobsearch.sources.kinds import CompanyBoardSpec, SourceKind, board_in_path, company_board
from dreamjobsearch.sources.text import parse_fragment, plain_text, tree_text

NOT_FOUND = 404
RANGE_DASH = " \u2013 "  # en dash
ZONE_SEPARATOR = "; "
PAY_RANGE = "div.pay-range"
PAY_ZONE_TITLE = "div.title"
# Custom fields companies name in many ways, by the posting field each one fills.
METADATA_FIELDS = {
    "employment type": "employment_type",
    "employment": "employment_type",
    "type of employment": "employment_type",
    "contract type": "employment_type",
    "job type": "employment_type",
    "time type": "employment_type",
    "commitment": "employment_type",
    "seniority": "seniority_level",
    "seniority level": "seniority_level",
    "experience level": "seniority_level",
    "career level": "seniority_level",
    "job level": "seniority_level",
    "level": "seniority_level",
}


class GreenhouseSource(BoardSource):
    """The open jobs of one Greenhouse board, downloaded once and searched locally.

    The company is the job's `company_name`; for jobs without one, the board's display name
    (its info is asked for only then), or the board name title-cased when the board has none
    (its info endpoint answers 404). A job's date is its first publication, or its last
    update for jobs that lack one.
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
        # Jobs that name their company need no second request to the board's info.
        if not all(isinstance(job, dict) and job.get("company_name") for job in jobs):
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
        content = parse_fragment(text(job, "content"))
        salary = take_pay_ranges(content)
        custom = metadata_fields(job)
        return JobPosting(
            source=self.name,
            external_id=job_id(job, "id"),
            link=required_text(job, "absolute_url"),
            title=plain_text(required_text(job, "title")),
            company=plain_text(text(job, "company_name")) or self.company,
            location=plain_text(text(mapping(job, "location"), "name")),
            description=tree_text(content),
            posted_at=iso_datetime(job, "first_published") or iso_datetime(job, "updated_at"),
            salary=salary,
            employment_type=custom.get("employment_type", ""),
            seniority_level=custom.get("seniority_level", ""),
            job_function=", ".join(names(job, "departments", "name")),
        )


def take_pay_ranges(content: LexborHTMLParser) -> str:
    """The pay ranges of a description as the salary, removing them (and their titles) from it.

    One range reads `$150,000 - $180,000 USD` (with an en dash); several (pay zones) are
    each named by their title: `Zone A: $150,000 - $180,000 USD; Zone B: ...`.
    """
    zones = []
    for pay_range in content.css(PAY_RANGE):
        holder = pay_range.parent
        title = holder.css_first(PAY_ZONE_TITLE) if holder is not None else None
        zones.append((plain_text(title.text(deep=True)) if title else "", _range_text(pay_range)))
        if title is not None:
            title.decompose()
        pay_range.decompose()
    shown = [(title, pay) for title, pay in zones if pay]
    if len(shown) == 1:
        return shown[0][1]
    return ZONE_SEPARATOR.join(f"{title}: {pay}" if title else pay for title, pay in shown)


def _range_text(pay_range: LexborNode) -> str:
    amounts = (plain_text(span.text(deep=True)) for span in pay_range.css("span:not(.divider)"))
    return RANGE_DASH.join(amount for amount in amounts if amount)


def metadata_fields(job: Mapping[str, Any]) -> dict[str, str]:
    """The custom fields (`metadata`) that map to a posting's field, by that field's name.

    A field is filled by the first custom field naming it; values other than text (a
    currency amount, a date) are left out.
    """
    fields: dict[str, str] = {}
    for entry in entries(job, "metadata"):
        field = METADATA_FIELDS.get(" ".join(text(entry, "name").casefold().split()))
        if field is None or field in fields:
            continue
        value = entry.get("value")
        if isinstance(value, list):
            shown = ", ".join(plain_text(item) for item in texts(entry, "value"))
        elif isinstance(value, str):
            shown = plain_text(text(entry, "value"))
        else:
            continue
        if shown:
            fields[field] = shown
    return fields


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
