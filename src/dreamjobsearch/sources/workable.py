"""A company's Workable careers page, from its public APIs.

Primary: the widget API, `GET /api/v1/widget/accounts/{account}?details=true`, one request
for the whole board, descriptions included (`{"name", "jobs": [...]}`). When it answers 404 or
410 (an account whose widget is off), the careers site's own API is read instead: `POST
/api/v3/accounts/{account}/jobs`, a page of summaries (`{"total", "results", "nextPage"}`,
the `nextPage` token sent back as `token` for the next page), and for each job not stored yet
`GET /api/v2/accounts/{account}/jobs/{shortcode}`, its description. The board's job id is
its `shortcode` in both.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any, Literal
from urllib.parse import SplitResult, quote

from dreamjobsearch.domain.postings import JobPosting
from dreamjobsearch.sources.boards import (
    BoardPage,
    BoardSource,
    JobProblem,
    amount,
    board_jobs,
    entries,
    flag,
    iso_datetime,
    json_object,
    location_text,
    mapping,
    required_text,
    salary_range,
    text,
    texts,
    title_from_slug,
)
from dreamjobsearch.sources.http import FetchError, MalformedResponseError, RunHttp
from dreamjobsearch.sources.kinds import (
    EDGE_BLOCKED_STATUSES,
    CompanyBoardSpec,
    SourceKind,
    company_board,
)
from dreamjobsearch.sources.text import html_to_text

PUBLIC_SITE = "https://apply.workable.com"
WIDGET_MISSING = (404, 410)
DEFAULT_MAX_PAGES = 20
# An empty search: every published job of the account.
ALL_JOBS: dict[str, Any] = {
    "query": "",
    "location": [],
    "department": [],
    "worktype": [],
    "remote": [],
}
JOB_TYPES = {
    "full": "Full-time",
    "part": "Part-time",
    "contract": "Contract",
    "temporary": "Temporary",
    "internship": "Internship",
    "other": "Other",
}
SECTIONS = (("description", ""), ("requirements", "Requirements"), ("benefits", "Benefits"))


class WorkableSource(BoardSource):
    """The published jobs of one Workable account, downloaded once and searched locally.

    The company is the account's name from the widget, else the account name title-cased.
    A job's places are its visible `locations` (else its one location), plus `Remote` for
    remote work.
    """

    name = "workable"

    def __init__(
        self, http: RunHttp, base_url: str, board: str, max_pages: int = DEFAULT_MAX_PAGES
    ) -> None:
        super().__init__(http, base_url, f"{self.name}:{board}", max_pages)
        self.board = board
        self.company = title_from_slug(board)
        account = quote(board, safe="")
        self._widget_url = f"{self.base_url}/api/v1/widget/accounts/{account}"
        self._jobs_url = f"{self.base_url}/api/v3/accounts/{account}/jobs"
        self._job_url = f"{self.base_url}/api/v2/accounts/{account}/jobs"
        self._public_url = f"{PUBLIC_SITE}/{account}/j"
        self._page_tokens: dict[int, str] = {}
        self._from_widget = True

    async def _fetch_page(self, number: int) -> BoardPage:
        if number == 1:
            try:
                document = await self.http.get_json(self._widget_url, {"details": "true"})
            except FetchError as error:
                if error.status not in WIDGET_MISSING:
                    raise
                self._from_widget = False
            else:
                return self._widget_page(document)
        body = dict(ALL_JOBS)
        if number in self._page_tokens:
            body["token"] = self._page_tokens[number]
        document = await self.http.post_json(self._jobs_url, body)
        jobs = board_jobs(document, "results", self.label)
        token = document.get("nextPage")
        if not token:
            return BoardPage(jobs, summaries=True)
        if not isinstance(token, str):
            raise MalformedResponseError(f"{self.label}: nextPage is not a string")
        self._page_tokens[number + 1] = token
        return BoardPage(jobs, number + 1, summaries=True)

    def _widget_page(self, document: Any) -> BoardPage:
        jobs = board_jobs(document, "jobs", self.label)
        name = document.get("name")
        if isinstance(name, str) and name.strip():
            self.company = name.strip()
        return BoardPage(jobs)

    def _parse_job(self, job: Mapping[str, Any]) -> JobPosting:
        return self._widget_job(job) if self._from_widget else self._summary(job)

    def _widget_job(self, job: Mapping[str, Any]) -> JobPosting:
        shortcode = required_text(job, "shortcode")
        places = _places(job) or [_place(job, "state")]
        return JobPosting(
            source=self.name,
            external_id=shortcode,
            link=text(job, "url") or text(job, "shortlink") or f"{self._public_url}/{shortcode}/",
            title=required_text(job, "title"),
            company=self.company,
            location=location_text(places, flag(job, "telecommuting")),
            description=_description(job),
            posted_at=iso_datetime(job, "published_on") or iso_datetime(job, "created_at"),
            salary=_salary(mapping(job, "salary")),
            employment_type=text(job, "employment_type"),
            seniority_level=text(job, "experience"),
            job_function=text(job, "function") or text(job, "department"),
            industries=text(job, "industry"),
        )

    def _summary(self, job: Mapping[str, Any]) -> JobPosting:
        shortcode = required_text(job, "shortcode")
        places = _places(job) or [_place(mapping(job, "location"), "region")]
        remote = flag(job, "remote") or text(job, "workplace") == "remote"
        kind = text(job, "type")
        return JobPosting(
            source=self.name,
            external_id=shortcode,
            link=f"{self._public_url}/{shortcode}/",
            title=required_text(job, "title"),
            company=self.company,
            location=location_text(places, remote),
            posted_at=iso_datetime(job, "published"),
            employment_type=JOB_TYPES.get(kind, kind),
            job_function=", ".join(texts(job, "department")),
        )

    async def _fetch_detail(self, summary: JobPosting) -> JobPosting:
        url = f"{self._job_url}/{quote(summary.external_id, safe='')}"
        document = json_object(
            await self.http.get_json(url), self.label, f"job {summary.external_id}"
        )
        try:
            description = _description(document)
            salary = _salary(mapping(document, "salary"))
        except JobProblem as problem:
            raise MalformedResponseError(
                f"{self.label}: job {summary.external_id}: {problem}"
            ) from problem
        if not description:
            raise MalformedResponseError(
                f"{self.label}: job {summary.external_id} has no description"
            )
        return dataclasses.replace(summary, description=description, salary=salary)


def _places(job: Mapping[str, Any]) -> list[str]:
    """The job's visible locations as `City, Region, Country`."""
    shown = (entry for entry in entries(job, "locations") if not flag(entry, "hidden"))
    return [place for place in (_place(entry, "region") for entry in shown) if place]


def _place(where: Mapping[str, Any], region_key: str) -> str:
    parts = (text(where, "city"), text(where, region_key), text(where, "country"))
    return ", ".join(dict.fromkeys(part for part in parts if part))


def _description(job: Mapping[str, Any]) -> str:
    """Description, then requirements and benefits under their headings, as text."""
    sections = []
    for key, heading in SECTIONS:
        body = html_to_text(text(job, key))
        if body:
            sections.append(f"{heading}\n\n{body}" if heading else body)
    return "\n\n".join(sections)


def _board_at(address: SplitResult) -> str | None:
    """`apply.workable.com/acme/...` (not a `/j/<shortcode>` job link) or the older
    `acme.workable.com`."""
    host = (address.hostname or "").lower()
    if host == "apply.workable.com":
        account = address.path.strip("/").split("/")[0]
        return account if account not in ("", "j", "api") else None
    if host.endswith(".workable.com") and host.count(".") == 2:
        account = host.removesuffix(".workable.com")
        return account if account not in ("www", "apply", "jobs") else None
    return None


def _salary(salary: Mapping[str, Any]) -> str:
    """A salary as Workable writes it: `salary_from`, `salary_to`, `salary_currency` (the
    careers API spells them `salaryFrom`...)."""
    low = amount(salary, "salary_from") or amount(salary, "salaryFrom")
    high = amount(salary, "salary_to") or amount(salary, "salaryTo")
    currency = text(salary, "salary_currency") or text(salary, "salaryCurrency")
    return salary_range(low, high, currency.upper(), "")


class WorkableSourceSpec(CompanyBoardSpec):
    """A company's Workable careers page."""

    type: Literal["workable"]
    title = "Workable"


KIND = SourceKind(
    spec=WorkableSourceSpec,
    build=company_board(WorkableSource),
    default_base_url=PUBLIC_SITE,
    about="Workable's careers API (its widget, and the careers site's own without it).",
    board_at=_board_at,
    blocked_statuses=EDGE_BLOCKED_STATUSES,
)
