"""What the templates show: runs and ranked postings shaped for display."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlencode, urlsplit

from dreamjobsearch.domain.ranking import RankedPosting
from dreamjobsearch.params.saved_searches import SavedSearchSpec
from dreamjobsearch.pipeline import COUNT_NAMES
from dreamjobsearch.sources.catalog import SOURCES
from dreamjobsearch.storage.models import Run, SavedSearch
from dreamjobsearch.storage.runs import ACTIVE_STATES
from dreamjobsearch.web.snippets import Segment, highlight, snippet

COUNT_LABELS = {
    "links_found": "Links found",
    "fetched": "Fetched",
    "new": "New",
    "duplicates": "Duplicates",
    "errors": "Errors",
    "blocked": "Blocked",
}
SOURCE_LABELS = {name: kind.spec.title for name, kind in SOURCES.items()} | {"import": "Import"}


@dataclass(frozen=True, slots=True)
class Count:
    """One count of a run: its name (for scripts), label and value."""

    name: str
    label: str
    value: int


@dataclass(frozen=True, slots=True)
class RunView:
    """An update run as the pages show it."""

    id: str
    status: str
    active: bool
    percent: int | None
    counts: list[Count]
    searches: str
    sources: str
    message: str | None
    error: str | None
    created_at: datetime
    finished_at: datetime | None

    def count(self, name: str) -> int:
        """The value of one count, by name."""
        return next((count.value for count in self.counts if count.name == name), 0)

    @property
    def results_url(self) -> str:
        """Results limited to the postings this run found new, newest first (an empty
        `keywords` asks for no ranking, not for the saved keywords)."""
        return "/results?" + urlencode({"keywords": "", "run": self.id})

    @classmethod
    def of(cls, run: Run) -> RunView:
        """Shape a run record. A succeeded run is at 100%; an active one's percentage comes
        from its live progress events (the record does not keep it)."""
        active = run.status in ACTIVE_STATES
        params: dict[str, Any] = run.params or {}
        return cls(
            id=run.id,
            status=run.status,
            active=active,
            percent=100 if run.status == "succeeded" else None,
            counts=[
                Count(name, COUNT_LABELS[name], int((run.counts or {}).get(name, 0)))
                for name in COUNT_NAMES
            ],
            searches=", ".join(params.get("queries") or ()),
            sources=", ".join(_source_label(spec) for spec in params.get("sources") or ()),
            message=run.message,
            error=run.error,
            created_at=run.created_at,
            finished_at=run.finished_at,
        )


def _source_label(spec: dict[str, Any]) -> str:
    kind = str(spec.get("type", "?"))
    name = spec.get("board") or spec.get("path")
    return f"{kind}:{name}" if name else kind


def web_url(link: str) -> str | None:
    """The link if it is a web address; imported postings may carry anything, and a
    `javascript:` link must never become an `href`."""
    scheme = urlsplit(link.strip()).scheme.lower()
    return link.strip() if scheme in ("http", "https") else None


@dataclass(frozen=True, slots=True)
class BoardLink:
    """One board a job is posted on."""

    source: str
    label: str
    url: str | None


def board_links(links: Iterable[tuple[str, str]]) -> list[BoardLink]:
    """The badges of a job's `(source, link)` pairs."""
    return [
        BoardLink(source, SOURCE_LABELS.get(source, source), web_url(link))
        for source, link in links
    ]


@dataclass(frozen=True, slots=True)
class ResultRow:
    """One ranked posting in the results table."""

    id: int
    score: int
    title: list[Segment]
    company: str
    location: str
    posted_at: datetime | None
    matched: tuple[str, ...]
    snippet: list[Segment]
    boards: list[BoardLink]
    status: str
    is_new: bool
    note: str = ""
    salary: str = ""

    @property
    def plain_title(self) -> str:
        """The title as text (for labels naming the posting)."""
        return "".join(segment.text for segment in self.title)

    @classmethod
    def of(cls, item: RankedPosting) -> ResultRow:
        """Shape a ranked posting, its matched keywords highlighted."""
        posting = item.posting
        keywords = item.matched_keywords
        return cls(
            id=posting.id,
            score=item.score,
            title=highlight(posting.title, keywords),
            company=posting.company,
            location=posting.location,
            posted_at=posting.posted_at,
            matched=keywords,
            snippet=snippet(posting.description, keywords),
            boards=board_links(item.links),
            status=item.status,
            is_new=item.is_new,
            note=item.note,
            salary=posting.salary.strip(),
        )


@dataclass(frozen=True, slots=True)
class Pages:
    """Where a page of results is among all of them."""

    number: int
    size: int
    total: int

    @property
    def count(self) -> int:
        """How many pages there are (at least one)."""
        return max(1, -(-self.total // self.size))

    @property
    def offset(self) -> int:
        """The index of this page's first result."""
        return (self.number - 1) * self.size

    @property
    def first_shown(self) -> int:
        """The 1-based position of this page's first result (0 when none)."""
        return min(self.offset + 1, self.total)

    @property
    def last_shown(self) -> int:
        """The 1-based position of this page's last result."""
        return min(self.offset + self.size, self.total)


def rows(items: Sequence[RankedPosting]) -> list[ResultRow]:
    """Shape a page of ranked postings."""
    return [ResultRow.of(item) for item in items]


@dataclass(frozen=True, slots=True)
class SavedSearchView:
    """A saved search as its page lists it: what it searches for, when it runs, its last
    start."""

    id: int
    name: str
    searches: str
    sources: str
    keywords: str
    schedule: str
    email: bool
    next_run_at: datetime
    last_run_id: str | None
    last_run_at: datetime | None
    last_error: str | None

    @classmethod
    def of(cls, search: SavedSearch) -> SavedSearchView:
        """Shape a stored saved search."""
        spec = SavedSearchSpec.model_validate(search.spec)
        params = spec.update_params().model_dump(mode="json")
        return cls(
            id=search.id,
            name=spec.name,
            searches=", ".join(spec.queries),
            sources=", ".join(_source_label(source) for source in params.get("sources") or ()),
            keywords=", ".join(spec.keywords),
            schedule=describe_schedule(spec),
            email=spec.email,
            next_run_at=search.next_run_at,
            last_run_id=search.last_run_id,
            last_run_at=search.last_run_at,
            last_error=search.last_error,
        )


def describe_schedule(spec: SavedSearchSpec) -> str:
    """`Every 6 hours`, `Every hour` or `Daily at 08:00 (Europe/Warsaw)`."""
    if spec.every_hours is not None:
        return "Every hour" if spec.every_hours == 1 else f"Every {spec.every_hours} hours"
    return f"Daily at {spec.daily_at} ({spec.time_zone})"


def paragraphs(text: str) -> list[list[str]]:
    """A description as paragraphs (split at blank lines) of lines, for a page to show as
    text with its breaks kept: boards send plain text, and it is never read as markup."""
    unified = text.replace("\r\n", "\n").replace("\r", "\n")
    blocks = "\n".join(line.rstrip() for line in unified.split("\n"))
    return [
        [line for line in block.split("\n") if line.strip()]
        for block in blocks.split("\n\n")
        if block.strip()
    ]
