"""A company's Personio careers site, from its public XML feed.

`GET https://<company>.jobs.personio.de/xml` (the same on `jobs.personio.com`) answers every
published position in one `<workzag-jobs>` document, no pages: `<position>` with its `id`,
`subcompany`, `office` and `additionalOffices`, `department`, `name` (the title), the text
as `jobDescriptions` (each a `name` and an HTML `value` in CDATA), `employmentType`,
`seniority`, `schedule`, `yearsOfExperience` and `createdAt`. The feed carries no link and
no salary: a position's public page is `/job/<id>` on the same site.

The feed is XML from outside, so it is read by `defusedxml` with DTDs refused: a document
that declares entities (billion laughs) or points at external ones is a malformed answer,
never expanded or fetched. Parsing runs in a thread, off the event loop.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any, Literal
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from dreamjobsearch.domain.postings import JobPosting
from dreamjobsearch.sources.boards import (
    RANGE_DASH,
    BoardPage,
    BoardSource,
    entries,
    iso_datetime,
    job_id,
    location_text,
    required_text,
    text,
    texts,
    title_from_slug,
)
from dreamjobsearch.sources.http import MalformedResponseError, RunHttp
from dreamjobsearch.sources.kinds import (
    SourceKind,
    SubdomainBoardSpec,
    board_base_url,
    board_in_subdomain,
    company_board,
)
from dreamjobsearch.sources.text import html_to_text, plain_text

ROOT = "workzag-jobs"
POSITION = "position"
# Children that hold a list, by the name of each item in it.
LISTS = {"additionalOffices": "office", "jobDescriptions": "jobDescription"}
REMOTE = "remote"
EMPLOYMENT_TYPES = {
    "permanent": "Permanent",
    "intern": "Internship",
    "trainee": "Trainee",
    "freelance": "Freelance",
    "working_student": "Working student",
    "temporary": "Temporary",
}
SCHEDULES = {
    "full-time": "Full-time",
    "part-time": "Part-time",
    "full-or-part-time": "Full- or part-time",
}
SENIORITY_LEVELS = {
    "student": "Student",
    "entry-level": "Entry level",
    "experienced": "Experienced",
    "executive": "Executive",
}
YEARS_OF_EXPERIENCE = {"lt-1": "under 1 year", "gt-15": "over 15 years"}


class PersonioSource(BoardSource):
    """The published positions of one Personio careers site, downloaded once and searched
    locally.

    The company is the position's `subcompany`, else the site name title-cased; its
    places are its office and additional offices (an office named remote makes it remote).
    """

    name = "personio"

    def __init__(self, http: RunHttp, base_url: str, board: str) -> None:
        super().__init__(http, board_base_url(base_url, board), f"{self.name}:{board}")
        self.board = board
        self.company = title_from_slug(board)

    async def _fetch_page(self, number: int) -> BoardPage:
        response = await self.http.get(f"{self.base_url}/xml")
        return BoardPage(await asyncio.to_thread(positions, response.content, self.label))

    def _parse_job(self, job: Mapping[str, Any]) -> JobPosting:
        external_id = job_id(job, "id")
        offices = [text(job, "office"), *texts(job, "additionalOffices")]
        places = [plain_text(office) for office in offices]
        employment, schedule = text(job, "employmentType"), text(job, "schedule")
        kind = (
            EMPLOYMENT_TYPES.get(employment, plain_text(employment)),
            SCHEDULES.get(schedule, plain_text(schedule)),
        )
        return JobPosting(
            source=self.name,
            external_id=external_id,
            link=f"{self.base_url}/job/{external_id}",
            title=plain_text(required_text(job, "name")),
            company=plain_text(text(job, "subcompany")) or self.company,
            location=location_text(places, any(REMOTE in place.casefold() for place in places)),
            description=_description(job),
            posted_at=iso_datetime(job, "createdAt"),
            employment_type=", ".join(part for part in kind if part),
            seniority_level=_seniority(job),
            job_function=plain_text(text(job, "department")),
        )


def positions(document: bytes, label: str) -> list[Any]:
    """The feed's positions, each as a mapping of its children's text (lists for
    `additionalOffices` and `jobDescriptions`); `MalformedResponseError` for a document that
    is not a well-formed `<workzag-jobs>` feed, or that declares a DTD or entities."""
    try:
        root = fromstring(document, forbid_dtd=True)
    except DefusedXmlException as error:
        raise MalformedResponseError(
            f"{label}: the feed declares a DTD or entities, which are not read ({error!r})"
        ) from error
    except ParseError as error:
        raise MalformedResponseError(
            f"{label}: the feed is not well-formed XML: {error}"
        ) from error
    if root.tag != ROOT:
        raise MalformedResponseError(f"{label}: the feed is <{root.tag}>, not <{ROOT}>")
    return [_fields(position) for position in root if position.tag == POSITION]


def _fields(element: Element) -> dict[str, Any]:
    """An element's children by tag: each one's text (or fields), and for the known lists
    (`additionalOffices`, `jobDescriptions`) the list of their items."""
    fields: dict[str, Any] = {}
    for child in element:
        item = LISTS.get(child.tag)
        if item is None:
            fields[child.tag] = _value(child)
        else:
            fields[child.tag] = [_value(entry) for entry in child if entry.tag == item]
    return fields


def _value(element: Element) -> str | dict[str, Any]:
    return _fields(element) if len(element) else element.text or ""


def _description(job: Mapping[str, Any]) -> str:
    """Each description block: its name as a heading, then its text."""
    blocks = []
    for block in entries(job, "jobDescriptions"):
        heading, body = plain_text(text(block, "name")), html_to_text(text(block, "value"))
        blocks.append("\n\n".join(part for part in (heading, body) if part))
    return "\n\n".join(block for block in blocks if block)


def _seniority(job: Mapping[str, Any]) -> str:
    """The level and the years of experience asked for: `Experienced, 2-5 years` (en dash)."""
    level = text(job, "seniority")
    years = text(job, "yearsOfExperience")
    shown_years = YEARS_OF_EXPERIENCE.get(years) or (
        f"{years.replace('-', RANGE_DASH)} years" if years else ""
    )
    parts = (SENIORITY_LEVELS.get(level, plain_text(level)), shown_years)
    return ", ".join(part for part in parts if part)


class PersonioSourceSpec(SubdomainBoardSpec):
    """A company's Personio careers site (`acme` for `acme.jobs.personio.de`)."""

    type: Literal["personio"]
    title = "Personio"


KIND = SourceKind(
    spec=PersonioSourceSpec,
    build=company_board(PersonioSource),
    default_base_url="https://{board}.jobs.personio.de",
    about=(
        "Personio's XML job feed; `{board}` is replaced by the company's name"
        " (`http://127.0.0.1:8001/{board}` serves every company from one test server)."
    ),
    board_at=board_in_subdomain("jobs.personio.de", "jobs.personio.com"),
)
