"""What the company board sources (Greenhouse, Lever, Ashby, Workable, SmartRecruiters,
Recruitee, Personio, Arbeitnow) share.

A source downloads its board's document (JSON, or Personio's XML) once (page by page, as far
as searches need it) and filters it locally by the rule of `matches_search`: a run searches
the same source for every query and location. Most boards list whole postings, which
searches yield as they are. A board whose list holds only summaries (title, place, date)
marks its pages so: searches then yield links, and the pipeline fetches each new one's
detail (`_fetch_detail`), so a posting already stored is never asked for again. A board that
is not the shape its API promises is a `MalformedResponseError`; one malformed job in a good
board is skipped and listed in `problems`. The first failed download is kept and raised
again by later searches, so a dead board costs one request per run, not one per search. A
company's board that answers 404 or 410 for its first page does not exist under that name
(`BoardNotFoundError`, which asks the user to check it).
"""

from __future__ import annotations

import asyncio
import re
from abc import ABC, abstractmethod
from collections.abc import AsyncIterator, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from dreamjobsearch.domain.postings import JobLink, JobPosting
from dreamjobsearch.sources.http import FetchError, MalformedResponseError, RunHttp
from dreamjobsearch.sources.matching import matches_search
from dreamjobsearch.valid_text import text_problem

LOCATION_SEPARATOR = "; "
REMOTE = "Remote"
RANGE_DASH = "\u2013"  # en dash
# What a board's API answers for a board it does not have.
NO_SUCH_BOARD = (404, 410)
_SLUG_SEPARATORS = re.compile(r"[-_.\s]+")


class BoardNotFoundError(FetchError):
    """A company's board answered that it has no board by that name: most often a typo in
    the name the user gave, so the message asks them to check it."""

    def __init__(self, error: FetchError) -> None:
        super().__init__(
            f"was not found (error {error.status}): check the board's name",
            status=error.status,
            detail=str(error),
        )


class JobProblem(ValueError):
    """One job of a board cannot be used; the message says why (`missing title`)."""


@dataclass(frozen=True, slots=True)
class BoardPage:
    """One downloaded page of a board: its raw jobs and the next page's number, if any.

    `summaries`: the jobs lack their descriptions, which `_fetch_detail` gets one by one.
    """

    jobs: list[Any]
    next_page: int | None = None
    summaries: bool = False


class BoardSource(ABC):
    """A `JobSource` over a board whose JSON lists whole postings.

    Subclasses download and shape-check a page (`_fetch_page`) and turn one raw job into a
    posting (`_parse_job`); this class caches the pages, filters and limits searches, skips
    malformed jobs (listing them in `problems`) and answers `fetch` from the cache, or, for
    a job that came as a summary, with its detail (`_fetch_detail`).
    """

    name: str
    # The server asks the board itself: its postings may be shared with every user.
    server_fetched = True
    # A company's own board, named by the user: a missing first page means no board by
    # that name. An aggregator (one fixed address) sets it False: its 404 is only an error.
    named_board = True

    def __init__(self, http: RunHttp, base_url: str, label: str, max_pages: int = 1) -> None:
        self.http = http
        self.base_url = base_url.rstrip("/")
        self.label = label
        self.max_pages = max_pages
        self.problems: list[str] = []
        self._pages: list[list[JobPosting]] = []
        self._by_id: dict[str, JobPosting] = {}
        self._next_page: int | None = 1
        self._jobs_seen = 0
        self._summaries: set[str] = set()
        self._failure: FetchError | None = None
        self._lock = asyncio.Lock()

    @abstractmethod
    async def _fetch_page(self, number: int) -> BoardPage:
        """Download page `number` (from 1); `MalformedResponseError` if it is misshapen."""

    @abstractmethod
    def _parse_job(self, job: Mapping[str, Any]) -> JobPosting:
        """The posting for one raw job; `JobProblem` when the job is malformed."""

    async def _fetch_detail(self, summary: JobPosting) -> JobPosting:
        """The whole posting behind a summary; boards that send summaries fill this in."""
        raise MalformedResponseError(f"{self.label}: no detail page for {summary.external_id!r}")

    async def search(
        self, query: str, location: str, since: datetime | None, limit: int
    ) -> AsyncIterator[JobLink | JobPosting]:
        """Yield up to `limit` postings that fit the search (`matches_search`): whole
        postings, or links to those that came as summaries.

        Pages are downloaded only while more matches are wanted.
        """
        found = 0
        index = 0
        while found < limit and await self._page_ready(index):
            for posting in self._pages[index]:
                if not _fits(posting, query, location, since):
                    continue
                if posting.external_id in self._summaries:
                    yield JobLink(self.name, posting.external_id, posting.link)
                else:
                    yield posting
                found += 1
                if found >= limit:
                    return
            index += 1

    async def fetch(self, link: JobLink) -> JobPosting:
        """The posting with the link's id: from the cache, or its detail for a summary."""
        posting = self._by_id.get(link.external_id)
        if posting is None:
            raise MalformedResponseError(f"{self.label}: no job {link.external_id!r} on the board")
        if posting.external_id in self._summaries:
            return await self._fetch_detail(posting)
        return posting

    async def _page_ready(self, index: int) -> bool:
        """Whether page `index` (from 0) is cached, downloading it if the board has more."""
        async with self._lock:
            if index < len(self._pages):
                return True
            if self._failure is not None:
                raise self._failure
            if self._next_page is None or len(self._pages) >= self.max_pages:
                return False
            try:
                page = await self._fetch_page(self._next_page)
            except FetchError as error:
                if self.named_board and not self._pages and error.status in NO_SUCH_BOARD:
                    self._failure = BoardNotFoundError(error)
                    raise self._failure from error
                self._failure = error
                raise
            postings = self._parse_page(page.jobs)
            if page.summaries:
                self._summaries.update(posting.external_id for posting in postings)
            self._pages.append(postings)
            self._next_page = page.next_page
            return True

    def _parse_page(self, jobs: list[Any]) -> list[JobPosting]:
        """The page's usable postings not seen on an earlier page; malformed jobs recorded."""
        postings = []
        for job in jobs:
            number = self._jobs_seen
            self._jobs_seen += 1
            try:
                if not isinstance(job, dict):
                    raise JobProblem(f"is {json_kind(job)}, not an object")
                posting = self._parse_job(job)
            except JobProblem as problem:
                self.problems.append(f"job {number}: {problem}")
                continue
            if posting.external_id not in self._by_id:
                self._by_id[posting.external_id] = posting
                postings.append(posting)
        return postings


def _fits(posting: JobPosting, query: str, location: str, since: datetime | None) -> bool:
    return matches_search(
        query,
        location,
        since,
        title=posting.title,
        posting_location=posting.location,
        posted_at=posting.posted_at,
    )


def json_kind(value: Any) -> str:
    """How a JSON value's type reads in a message: `an object`, `a list`, `null`..."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    return "a list" if isinstance(value, list) else "an object"


def board_jobs(document: Any, key: str | None, label: str) -> list[Any]:
    """The jobs of a board's JSON: the document itself (`key=None`) or its list at `key`."""
    if key is None:
        if not isinstance(document, list):
            raise MalformedResponseError(f"{label}: the board is {json_kind(document)}, not a list")
        return document
    if not isinstance(document, dict):
        raise MalformedResponseError(f"{label}: the board is {json_kind(document)}, not an object")
    if key not in document:
        raise MalformedResponseError(f"{label}: the board has no {key!r} list")
    jobs = document[key]
    if not isinstance(jobs, list):
        raise MalformedResponseError(
            f"{label}: the board's {key!r} is {json_kind(jobs)}, not a list"
        )
    return jobs


def json_object(document: Any, label: str, what: str) -> dict[str, Any]:
    """A JSON document that must be an object (a job's detail, say), or
    `MalformedResponseError` naming `what` it was meant to be."""
    if not isinstance(document, dict):
        raise MalformedResponseError(f"{label}: {what} is {json_kind(document)}, not an object")
    return document


def text(job: Mapping[str, Any], key: str) -> str:
    """The string at `key`, stripped; `""` when absent or null."""
    value = job.get(key)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise JobProblem(f"{key} is {json_kind(value)}, not a string")
    _valid(key, value)
    return value.strip()


def required_text(job: Mapping[str, Any], key: str) -> str:
    """The non-empty string at `key`."""
    value = text(job, key)
    if not value:
        raise JobProblem(f"missing {key}")
    return value


def job_id(job: Mapping[str, Any], key: str) -> str:
    """The board's id for a job (a string or an integer there) as a string."""
    value = job.get(key)
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return required_text(job, key)


def flag(job: Mapping[str, Any], key: str) -> bool:
    """The boolean at `key`; false when absent or null."""
    value = job.get(key)
    if value is None:
        return False
    if not isinstance(value, bool):
        raise JobProblem(f"{key} is {json_kind(value)}, not a boolean")
    return value


def mapping(job: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    """The object at `key`; empty when absent or null."""
    value = job.get(key)
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise JobProblem(f"{key} is {json_kind(value)}, not an object")
    return value


def entries(job: Mapping[str, Any], key: str) -> list[Mapping[str, Any]]:
    """The list of objects at `key`; empty when absent or null."""
    value = job.get(key)
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
        raise JobProblem(f"{key} is not a list of objects")
    return value


def texts(job: Mapping[str, Any], key: str) -> list[str]:
    """The non-empty strings of the list at `key`; empty when absent or null."""
    value = job.get(key)
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise JobProblem(f"{key} is not a list of strings")
    for item in value:
        _valid(key, item)
    return [item.strip() for item in value if item.strip()]


def _valid(key: str, value: str) -> None:
    # A NUL or a lone surrogate from a board would be stored and break every read of it.
    if problem := text_problem(value):
        raise JobProblem(f"{key} {problem}")


def names(job: Mapping[str, Any], key: str, field: str) -> list[str]:
    """The non-empty `field` of each object in the list at `key` (department names...)."""
    found = (text(entry, field) for entry in entries(job, key))
    return [name for name in found if name]


def iso_datetime(job: Mapping[str, Any], key: str) -> datetime | None:
    """The ISO 8601 date at `key` as an aware UTC datetime (UTC assumed when no offset)."""
    value = text(job, key)
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError as error:
        raise JobProblem(f"{key} is not an ISO date: {value!r}") from error
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def epoch_datetime(job: Mapping[str, Any], key: str, *, per_second: int = 1) -> datetime | None:
    """The Unix time at `key` (in units of `1 / per_second` s) as an aware UTC datetime."""
    value = job.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise JobProblem(f"{key} is {json_kind(value)}, not a Unix time")
    try:
        return datetime.fromtimestamp(value / per_second, UTC)
    except (OverflowError, OSError, ValueError) as error:
        raise JobProblem(f"{key} is out of range: {value!r}") from error


def amount(job: Mapping[str, Any], key: str) -> float | None:
    """The number at `key`, sent as a JSON number or as its text (`"60000"`); None when
    absent, null or empty."""
    value = job.get(key)
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise JobProblem(f"{key} is {json_kind(value)}, not a number")
    try:
        return float(value)
    except ValueError as error:
        raise JobProblem(f"{key} is not a number: {value!r}") from error


def salary_range(low: float | None, high: float | None, currency: str, per: str) -> str:
    """A pay range as users read it: `EUR 60,000-80,000 per year` (with an en dash); one bound
    reads `EUR from 45,000 per year` or `EUR up to 58,000 per year`.

    A bound that is missing or not above zero is a placeholder, not a pay of nothing, so a
    range with neither (`{"min": 0, "max": 0}`) is `""`: no salary.
    """
    shown_low, shown_high = _amount_text(low), _amount_text(high)
    if shown_low and shown_high:
        amounts = shown_low if low == high else f"{shown_low}{RANGE_DASH}{shown_high}"
    elif shown_low or shown_high:
        amounts = f"from {shown_low}" if shown_low else f"up to {shown_high}"
    else:
        return ""
    return " ".join(part for part in (currency, amounts, per) if part)


def _amount_text(value: float | None) -> str:
    if value is None or not 0 < value < float("inf"):
        return ""
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.2f}"


def title_from_slug(slug: str) -> str:
    """A company name from its board slug: `acme-robotics` -> `Acme Robotics`."""
    words = _SLUG_SEPARATORS.split(slug.strip())
    return " ".join(word[:1].upper() + word[1:] for word in words if word)


def location_text(places: Iterable[str], remote: bool) -> str:
    """Places joined by `; `, each once whatever its case (the first spelling kept), plus
    `Remote` for a remote job not saying so."""
    by_key: dict[str, str] = {}
    for place in places:
        if place:
            by_key.setdefault(place.casefold(), place)
    unique = list(by_key.values())
    if remote and not any(REMOTE.casefold() in place.casefold() for place in unique):
        unique.append(REMOTE)
    return LOCATION_SEPARATOR.join(unique)
