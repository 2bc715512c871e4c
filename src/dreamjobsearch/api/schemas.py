"""Request and response bodies of the JSON API."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)

from dreamjobsearch.auth.emails import MAX_EMAIL_LENGTH, normalise_email
from dreamjobsearch.auth.password_policy import MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH
from dreamjobsearch.domain.filters import MAX_POSTED_WITHIN_DAYS, PostingFilters
from dreamjobsearch.domain.ranking import RankedPosting
from dreamjobsearch.domain.tracking import (
    MAX_BLOCKED_COMPANIES,
    MAX_COMPANY_LENGTH,
    MAX_LOCATION_LENGTH,
    MAX_NOTE_LENGTH,
    STATUSES,
    UNCHANGED,
    Status,
    Unchanged,
)
from dreamjobsearch.search.selection import Sort
from dreamjobsearch.sources.files import MAX_IMPORT_ROWS, too_many_rows
from dreamjobsearch.storage.models import Run
from dreamjobsearch.storage.postings import PostingDetail
from dreamjobsearch.storage.tracking import BoardCard, StatusColumn, TrackedPosting
from dreamjobsearch.workspace import SavedKeywords, SeenTimes


class StrictBody(BaseModel):
    """A request body that refuses unknown fields, so typos are reported, not ignored."""

    model_config = ConfigDict(extra="forbid")


# Read as every other path reads an address (auth/emails.py): `Name <address>` is refused.
Email = Annotated[
    str,
    Field(max_length=MAX_EMAIL_LENGTH, json_schema_extra={"format": "email"}),
    AfterValidator(normalise_email),
]


class Credentials(StrictBody):
    """An email and a password."""

    email: Email
    password: str = Field(min_length=MIN_PASSWORD_LENGTH, max_length=MAX_PASSWORD_LENGTH)


class LoginBody(StrictBody):
    """Login takes any password length up to the maximum, so old accounts still work."""

    email: Email
    password: str = Field(min_length=1, max_length=MAX_PASSWORD_LENGTH)


class TokenOut(BaseModel):
    """A bearer token for the new session."""

    access_token: str
    token_type: Literal["bearer"] = "bearer"  # noqa: S105 -- the OAuth 2 token type, not a secret
    expires_at: datetime


class SessionTimes(BaseModel):
    """When a session started, was last used, and ends at the latest."""

    sid: str
    created_at: datetime
    last_accessed: datetime
    expires_at: datetime


class StatusOut(BaseModel):
    """Who is logged in, and their session."""

    email: str
    is_admin: bool
    session: SessionTimes
    workspace_initialized: bool


class MessageOut(BaseModel):
    """A short confirmation."""

    detail: str


# The deepest a list is paged into, for the ranking and the board alike.
MAX_OFFSET = 1_000_000


class RankBody(StrictBody):
    """What to rank by; `statuses` defaults to all but rejected and archived. No keywords
    lists every posting the filters keep, newest first (score 0)."""

    keywords: list[str] = Field(default_factory=list, max_length=100)
    location: str | None = Field(default=None, max_length=200)
    limit: int = Field(default=50, ge=1, le=500)
    offset: int = Field(default=0, ge=0, le=MAX_OFFSET)
    statuses: list[Status] | None = Field(default=None, min_length=1, max_length=len(STATUSES))
    sort: Sort = "score"
    remote: bool = Field(default=False, description="only postings whose location says remote")
    posted_within_days: int | None = Field(
        default=None,
        ge=1,
        le=MAX_POSTED_WITHIN_DAYS,
        description="only postings posted this many days ago or since (undated ones are left out)",
    )
    has_salary: bool = Field(default=False, description="only postings that state a salary")
    run_id: str | None = Field(
        default=None,
        max_length=64,
        description="only the postings this run of yours found new (its `run_id`)",
    )

    @property
    def filters(self) -> PostingFilters:
        """The remote, date and salary filters asked for."""
        return PostingFilters(self.remote, self.posted_within_days, self.has_salary)


class LinkOut(BaseModel):
    """One board a job is posted on."""

    source: str
    link: str


class RankedPostingOut(BaseModel):
    """One ranked posting; `links` lists every board the same job was found on."""

    id: int
    score: int
    matched_keywords: list[str]
    link: str
    job_title: str
    job_company: str
    job_location: str
    salary: str
    employment_type: str
    seniority_level: str
    posted_at: datetime | None
    found_at: datetime
    source: str
    links: list[LinkOut]
    status: Status
    note: str
    is_new: bool = Field(description="found after your last visit (POST /job-postings/seen)")

    @classmethod
    def of(cls, item: RankedPosting) -> RankedPostingOut:
        """Shape a ranked posting."""
        posting = item.posting
        return cls(
            id=posting.id,
            score=item.score,
            matched_keywords=list(item.matched_keywords),
            link=posting.link,
            job_title=posting.title,
            job_company=posting.company,
            job_location=posting.location,
            salary=posting.salary,
            employment_type=posting.employment_type,
            seniority_level=posting.seniority_level,
            posted_at=posting.posted_at,
            found_at=posting.found_at,
            source=posting.source,
            links=[LinkOut(source=source, link=link) for source, link in item.links],
            status=_status(item.status),
            note=item.note,
            is_new=item.is_new,
        )


class RankOut(BaseModel):
    """A page of ranked postings and the total that matched."""

    total: int
    job_postings: list[RankedPostingOut]


class PostingOut(BaseModel):
    """One stored posting of the user's, with every field and every board it is on."""

    id: int
    source: str
    external_id: str
    link: str
    job_title: str
    job_company: str
    job_location: str
    description: str
    posted_at: datetime | None
    salary: str
    employment_type: str
    seniority_level: str
    job_function: str
    industries: str
    found_at: datetime
    query: str
    location_searched: str
    status: str
    note: str
    links: list[LinkOut]

    @classmethod
    def of(cls, detail: PostingDetail) -> PostingOut:
        """Shape a stored posting."""
        posting = detail.posting
        return cls(
            id=posting.id,
            source=posting.source,
            external_id=posting.external_id,
            link=posting.link,
            job_title=posting.title,
            job_company=posting.company,
            job_location=posting.location,
            description=posting.description,
            posted_at=posting.posted_at,
            salary=posting.salary,
            employment_type=posting.employment_type,
            seniority_level=posting.seniority_level,
            job_function=posting.job_function,
            industries=posting.industries,
            found_at=detail.found_at,
            query=detail.query,
            location_searched=detail.location,
            status=detail.status,
            note=detail.note,
            links=[LinkOut(source=item.source, link=item.link) for item in detail.links],
        )


def _status(value: str) -> Status:
    """A stored status as the API's type (rows only ever hold the known statuses)."""
    return next((status for status in STATUSES if status == value), "new")


class TrackBody(StrictBody):
    """A status, a note (empty clears it), or both."""

    status: Status | None = None
    note: str | None = Field(default=None, max_length=MAX_NOTE_LENGTH)

    @model_validator(mode="after")
    def _something(self) -> TrackBody:
        if self.status is None and self.note is None:
            raise ValueError("give a status, a note, or both")
        return self


class TrackedPostingOut(BaseModel):
    """One of your postings in a list: what it is and where you are with it."""

    id: int
    job_title: str
    job_company: str
    job_location: str
    salary: str
    employment_type: str
    seniority_level: str
    link: str
    source: str
    posted_at: datetime | None
    found_at: datetime
    status: Status
    note: str

    @classmethod
    def of(cls, tracked: TrackedPosting) -> TrackedPostingOut:
        """Shape a tracked posting."""
        posting = tracked.posting
        return cls(
            id=posting.id,
            job_title=posting.title,
            job_company=posting.company,
            job_location=posting.location,
            salary=posting.salary,
            employment_type=posting.employment_type,
            seniority_level=posting.seniority_level,
            link=posting.link,
            source=posting.source,
            posted_at=posting.posted_at,
            found_at=posting.found_at,
            status=_status(tracked.status),
            note=tracked.note,
        )


class BoardCardOut(TrackedPostingOut):
    """One job on your board (its most recently found copy); `links` lists every board
    it was found on."""

    links: list[LinkOut]

    @classmethod
    def of_card(cls, card: BoardCard) -> BoardCardOut:
        """Shape a board card."""
        return cls(
            **TrackedPostingOut.of(card.tracked).model_dump(),
            links=[LinkOut(source=source, link=link) for source, link in card.links],
        )


class BoardColumnOut(BaseModel):
    """A status: how many of your jobs have it, and the most recently found of them."""

    status: Status
    count: int
    items: list[BoardCardOut]

    @classmethod
    def of(cls, column: StatusColumn) -> BoardColumnOut:
        """Shape a board column."""
        return cls(
            status=_status(column.status),
            count=column.count,
            items=[BoardCardOut.of_card(card) for card in column.items],
        )


class BoardOut(BaseModel):
    """Your postings grouped by status, in the order of the job-search funnel."""

    columns: list[BoardColumnOut]


class KeywordsBody(StrictBody):
    """The keywords to keep (they replace the saved ones), and the location to keep with
    them: left out, the saved one stays; `""` or null clears it."""

    keywords: list[str] = Field(max_length=100)
    location: (
        Annotated[str, StringConstraints(strip_whitespace=True, max_length=MAX_LOCATION_LENGTH)]
        | None
    ) = None

    @property
    def location_change(self) -> str | Unchanged | None:
        """The location to save, or `UNCHANGED` when the body has none."""
        return self.location if "location" in self.model_fields_set else UNCHANGED


class KeywordsOut(BaseModel):
    """Your saved keywords, and where to look (null: anywhere)."""

    keywords: list[str]
    location: str | None

    @classmethod
    def of(cls, saved: SavedKeywords) -> KeywordsOut:
        """Shape saved keywords."""
        return cls(keywords=saved.keywords, location=saved.location)


class CompaniesBody(StrictBody):
    """The companies to block (they replace the block list)."""

    companies: list[str] = Field(max_length=MAX_BLOCKED_COMPANIES)


class CompanyBody(StrictBody):
    """One company to block."""

    company: str = Field(min_length=1, max_length=MAX_COMPANY_LENGTH)


class CompaniesOut(BaseModel):
    """The companies you blocked: hidden from rankings and exports."""

    companies: list[str]


class SeenOut(BaseModel):
    """Your visit just recorded, and the previous one (null on a first visit)."""

    last_seen_at: datetime
    previous_seen_at: datetime | None

    @classmethod
    def of(cls, seen: SeenTimes) -> SeenOut:
        """Shape the recorded visit."""
        return cls(last_seen_at=seen.now, previous_seen_at=seen.previous)


class ImportBody(StrictBody):
    """Postings to import; each row is validated on its own."""

    # `Any`, not `dict`: a non-object row is rejected on its own, not the whole request.
    postings: list[Any]

    @field_validator("postings")
    @classmethod
    def _not_too_many(cls, postings: list[Any]) -> list[Any]:
        if len(postings) > MAX_IMPORT_ROWS:
            # Says how to import more: the command line reads a file of any size.
            raise ValueError(too_many_rows(len(postings)))
        return postings


class RejectionOut(BaseModel):
    """A row that was not imported."""

    index: int
    reason: str


class ImportOut(BaseModel):
    """What an import did."""

    imported: int
    duplicates: int
    rejected: list[RejectionOut]


class RunOut(BaseModel):
    """An update run; `message` says what a user should know (e.g. a board blocked us)."""

    run_id: str
    status: str
    params: dict[str, Any]
    counts: dict[str, int]
    error: str | None
    message: str | None
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    # The saved search that started the run; null for a run started by hand.
    saved_search_id: int | None = None
    # Why the saved search's alert email could not be sent (after every retry), if it failed.
    digest_error: str | None = None

    @classmethod
    def of(cls, run: Run) -> RunOut:
        """Shape a run record."""
        return cls(
            run_id=run.id,
            status=run.status,
            params=run.params,
            counts=run.counts,
            error=run.error,
            message=run.message,
            created_at=run.created_at,
            started_at=run.started_at,
            finished_at=run.finished_at,
            saved_search_id=run.saved_search_id,
            digest_error=run.digest_error,
        )


class TicketOut(BaseModel):
    """A single-use ticket for opening a log stream (`GET /logs?ticket=...`)."""

    ticket: str
    expires_in: int


class AdminSessionOut(BaseModel):
    """One session in the admin monitor."""

    sid: str
    user_id: int
    email: str
    created_at: datetime
    last_accessed: datetime
    expires_at: datetime
    device: str
    subscribers: int
    memory_bytes: int


class AdminWorkspaceOut(BaseModel):
    """One user's workspace held by the process that answered: its measured bytes (the
    ranking index and keyword sets above all) and how many sessions here use it."""

    user_id: int
    email: str
    sessions: int
    memory_bytes: int


class AdminSessionsOut(BaseModel):
    """The admin session monitor. Memory figures are the answering process's: a session's
    own objects (its workspace excluded), and each user's workspace, largest first, with
    their total and the budget (`WORKSPACE_MEMORY_MB`)."""

    active_users: int
    total_sessions: int
    memory_bytes: int
    sessions: list[AdminSessionOut]
    workspaces: list[AdminWorkspaceOut]
    workspace_memory_bytes: int
    workspace_budget_bytes: int


class HealthOut(BaseModel):
    """Liveness and the reachability of what the service depends on."""

    status: Literal["ok", "degraded"]
    database: Literal["ok", "unavailable"]
    redis: Literal["ok", "unavailable", "unused"]
    session_store: str


def timestamp(seconds: float) -> datetime:
    """Epoch seconds as an aware UTC datetime."""
    return datetime.fromtimestamp(seconds, UTC)
