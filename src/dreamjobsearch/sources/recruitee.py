"""A company's Recruitee careers site, from its public Careers Site API.

`GET https://<company>.recruitee.com/api/offers/` lists every published offer in one
document (no pages): description and requirements as HTML, the places it is offered
(`locations`, else `location`), a `remote` flag, coded employment type and experience,
a salary range when the company shows one (`{"min": "60000", "max": "70000", "currency":
"EUR", "period": "year"}`, amounts as text or numbers, all null when none), the public
`careers_url` and the time it was published (`2024-05-02 09:12:30 UTC`).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, Literal

from dreamjobsearch.domain.postings import JobPosting
from dreamjobsearch.sources.boards import (
    BoardPage,
    BoardSource,
    JobProblem,
    amount,
    board_jobs,
    entries,
    flag,
    job_id,
    location_text,
    mapping,
    required_text,
    salary_range,
    text,
    title_from_slug,
)
from dreamjobsearch.sources.http import RunHttp
from dreamjobsearch.sources.kinds import (
    SourceKind,
    SubdomainBoardSpec,
    board_base_url,
    board_in_subdomain,
    company_board,
)
from dreamjobsearch.sources.text import html_to_text, plain_text

UTC_SUFFIX = " UTC"
EMPLOYMENT_TYPES = {
    "fulltime": "Full-time",
    "fulltime_permanent": "Full-time, Permanent",
    "fulltime_fixed_term": "Full-time, Fixed term",
    "parttime": "Part-time",
    "parttime_permanent": "Part-time, Permanent",
    "parttime_fixed_term": "Part-time, Fixed term",
    "permanent": "Permanent",
    "fixed_term": "Fixed term",
    "contract": "Contract",
    "freelance": "Freelance",
    "temporary": "Temporary",
    "internship": "Internship",
    "traineeship": "Traineeship",
    "apprenticeship": "Apprenticeship",
    "volunteer": "Volunteer",
}
SENIORITY_LEVELS = {
    "student_school": "Student",
    "student_college": "Student",
    "entry_level": "Entry level",
    "mid_level": "Mid level",
    "experienced": "Experienced",
    "manager": "Manager",
    "executive": "Executive",
}
PERIODS = {
    "year": "per year",
    "month": "per month",
    "week": "per week",
    "day": "per day",
    "hour": "per hour",
}


class RecruiteeSource(BoardSource):
    """The published offers of one Recruitee careers site, downloaded once and searched
    locally.

    The company is the offer's `company_name`, else the site name title-cased.
    """

    name = "recruitee"

    def __init__(self, http: RunHttp, base_url: str, board: str) -> None:
        super().__init__(http, board_base_url(base_url, board), f"{self.name}:{board}")
        self.board = board
        self.company = title_from_slug(board)

    async def _fetch_page(self, number: int) -> BoardPage:
        document = await self.http.get_json(f"{self.base_url}/api/offers/")
        return BoardPage(board_jobs(document, "offers", self.label))

    def _parse_job(self, job: Mapping[str, Any]) -> JobPosting:
        sections = (html_to_text(text(job, "description")), html_to_text(text(job, "requirements")))
        employment = text(job, "employment_type_code")
        experience = text(job, "experience_code")
        return JobPosting(
            source=self.name,
            external_id=job_id(job, "id"),
            link=required_text(job, "careers_url"),
            title=plain_text(required_text(job, "title")),
            company=plain_text(text(job, "company_name")) or self.company,
            location=location_text(_places(job), flag(job, "remote")),
            description="\n\n".join(section for section in sections if section),
            posted_at=_utc_time(job, "published_at") or _utc_time(job, "created_at"),
            salary=salary_text(mapping(job, "salary")),
            employment_type=EMPLOYMENT_TYPES.get(employment, _words(employment)),
            seniority_level=SENIORITY_LEVELS.get(experience, _words(experience)),
            job_function=plain_text(text(job, "department")),
        )


def _places(job: Mapping[str, Any]) -> list[str]:
    """Each of the offer's places as `City, Country`; its `location` text when it lists none."""
    places = []
    for place in entries(job, "locations"):
        parts = (text(place, "city") or text(place, "name"), text(place, "country"))
        places.append(plain_text(", ".join(part for part in parts if part)))
    return places or [plain_text(text(job, "location"))]


def _utc_time(job: Mapping[str, Any], key: str) -> datetime | None:
    """Recruitee's time at `key` (`2024-05-02 09:12:30 UTC`, or ISO 8601) in UTC."""
    value = text(job, key)
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.removesuffix(UTC_SUFFIX))
    except ValueError as error:
        raise JobProblem(f"{key} is not a time: {value!r}") from error
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def salary_text(salary: Mapping[str, Any]) -> str:
    """The offer's `salary` as text (`boards.salary_range`): `EUR 60,000-75,000 per year` with
    an en dash; `""` when it shows no amount above zero."""
    period = text(salary, "period")
    return salary_range(
        amount(salary, "min"),
        amount(salary, "max"),
        text(salary, "currency"),
        PERIODS.get(period, period),
    )


def _words(code: str) -> str:
    """A code Recruitee added since (`fulltime_seasonal`) in words: `Fulltime seasonal`."""
    return code.replace("_", " ").capitalize()


class RecruiteeSourceSpec(SubdomainBoardSpec):
    """A company's Recruitee careers site (`acme` for `acme.recruitee.com`)."""

    type: Literal["recruitee"]
    title = "Recruitee"


KIND = SourceKind(
    spec=RecruiteeSourceSpec,
    build=company_board(RecruiteeSource),
    default_base_url="https://{board}.recruitee.com",
    about=(
        "Recruitee's careers site API; `{board}` is replaced by the company's name"
        " (`http://127.0.0.1:8001/{board}` serves every company from one test server)."
    ),
    board_at=board_in_subdomain("recruitee.com"),
)
