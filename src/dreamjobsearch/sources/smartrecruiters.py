"""A company's SmartRecruiters job ads, from the public Posting API.

`GET /v1/companies/{company}/postings?offset=N&limit=100` lists active postings a page at a
time (`{"offset", "limit", "totalFound", "content": [...]}`) with their title, place, date,
employment type and experience level but no description; `GET .../postings/{id}` is one
posting whole, its ad in `jobAd.sections` (company description, job description,
qualifications, additional information). So searches filter the list and the pipeline asks
for the detail of each posting not stored yet. The board's job id is the posting's `id`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any, Literal
from urllib.parse import quote

from dreamjobsearch.domain.postings import JobPosting
from dreamjobsearch.sources.boards import (
    BoardPage,
    BoardSource,
    JobProblem,
    board_jobs,
    entries,
    flag,
    iso_datetime,
    job_id,
    json_kind,
    json_object,
    location_text,
    mapping,
    required_text,
    text,
)
from dreamjobsearch.sources.http import MalformedResponseError, RunHttp
from dreamjobsearch.sources.kinds import (
    EDGE_BLOCKED_STATUSES,
    CompanyBoardSpec,
    SourceKind,
    board_in_path,
    company_board,
)
from dreamjobsearch.sources.text import html_to_text

PUBLIC_SITE = "https://jobs.smartrecruiters.com"
PAGE_SIZE = 100  # the most the API gives at once
DEFAULT_MAX_PAGES = 10
SECTIONS = ("companyDescription", "jobDescription", "qualifications", "additionalInformation")
# Companies that publish pay do it in a custom field of the job, named like one of these.
SALARY_FIELD_WORDS = ("salary", "pay", "compensation", "wage")


class SmartRecruitersSource(BoardSource):
    """The active postings of one SmartRecruiters company, listed once and searched
    locally; each new posting's ad is fetched on its own.

    A posting's place is the API's `fullLocation` (else city, region and country), plus
    `Remote` for remote work; its salary is the value of a custom field about pay.
    """

    name = "smartrecruiters"

    def __init__(
        self, http: RunHttp, base_url: str, board: str, max_pages: int = DEFAULT_MAX_PAGES
    ) -> None:
        super().__init__(http, base_url, f"{self.name}:{board}", max_pages)
        self.board = board
        company = quote(board, safe="")
        self._postings_url = f"{self.base_url}/v1/companies/{company}/postings"
        self._public_url = f"{PUBLIC_SITE}/{company}"
        self._offsets = {1: 0}

    async def _fetch_page(self, number: int) -> BoardPage:
        offset = self._offsets[number]
        document = await self.http.get_json(
            self._postings_url, {"offset": offset, "limit": PAGE_SIZE}
        )
        jobs = board_jobs(document, "content", self.label)
        total = document.get("totalFound")
        if isinstance(total, bool) or not isinstance(total, int):
            raise MalformedResponseError(
                f"{self.label}: totalFound is {json_kind(total)}, not a number"
            )
        # The next page starts after what this one held (a server may send fewer than asked).
        following = offset + len(jobs)
        if not jobs or following >= total:
            return BoardPage(jobs, summaries=True)
        self._offsets[number + 1] = following
        return BoardPage(jobs, number + 1, summaries=True)

    def _parse_job(self, job: Mapping[str, Any]) -> JobPosting:
        posting_id = job_id(job, "id")
        where = mapping(job, "location")
        return JobPosting(
            source=self.name,
            external_id=posting_id,
            link=f"{self._public_url}/{quote(posting_id, safe='')}",
            title=required_text(job, "name"),
            company=text(mapping(job, "company"), "name") or self.board,
            location=location_text([_place(where)], flag(where, "remote")),
            posted_at=iso_datetime(job, "releasedDate"),
            employment_type=_label(job, "typeOfEmployment"),
            seniority_level=_label(job, "experienceLevel"),
            job_function=_label(job, "function") or _label(job, "department"),
            industries=_label(job, "industry"),
        )

    async def _fetch_detail(self, summary: JobPosting) -> JobPosting:
        url = f"{self._postings_url}/{quote(summary.external_id, safe='')}"
        document = json_object(
            await self.http.get_json(url), self.label, f"posting {summary.external_id}"
        )
        try:
            description = _description(mapping(mapping(document, "jobAd"), "sections"))
            salary = _salary(document)
            link = text(document, "postingUrl") or summary.link
        except JobProblem as problem:
            raise MalformedResponseError(
                f"{self.label}: posting {summary.external_id}: {problem}"
            ) from problem
        if not description:
            raise MalformedResponseError(
                f"{self.label}: posting {summary.external_id} has no job ad"
            )
        return dataclasses.replace(summary, link=link, description=description, salary=salary)


def _label(job: Mapping[str, Any], key: str) -> str:
    """The `label` of the object at `key` (`{"id": "mid_senior_level", "label": ...}`)."""
    return text(mapping(job, key), "label")


def _place(where: Mapping[str, Any]) -> str:
    full = text(where, "fullLocation")
    if full:
        return full
    parts = (text(where, "city"), text(where, "region"), text(where, "country").upper())
    return ", ".join(part for part in parts if part)


def _description(sections: Mapping[str, Any]) -> str:
    """Each section of the ad: its title, then its text."""
    parts = []
    for key in SECTIONS:
        section = mapping(sections, key)
        body = html_to_text(text(section, "text"))
        if body:
            title = text(section, "title")
            parts.append(f"{title}\n\n{body}" if title else body)
    return "\n\n".join(parts)


def _salary(posting: Mapping[str, Any]) -> str:
    """The value of the posting's custom field about pay, if it has one."""
    for field in entries(posting, "customField"):
        label = text(field, "fieldLabel").casefold()
        if any(word in label for word in SALARY_FIELD_WORDS):
            return text(field, "valueLabel")
    return ""


class SmartRecruitersSourceSpec(CompanyBoardSpec):
    """A company's SmartRecruiters job ads."""

    type: Literal["smartrecruiters"]
    title = "SmartRecruiters"


KIND = SourceKind(
    spec=SmartRecruitersSourceSpec,
    build=company_board(SmartRecruitersSource),
    default_base_url="https://api.smartrecruiters.com",
    about="SmartRecruiters' Posting API.",
    board_at=board_in_path("jobs.smartrecruiters.com", "careers.smartrecruiters.com"),
    blocked_statuses=EDGE_BLOCKED_STATUSES,
)
