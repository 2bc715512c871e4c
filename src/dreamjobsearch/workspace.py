"""`Workspace`: one user's live state and everything they can do; the facade the API, web
and CLI talk to.

A process keeps one workspace per user (`workspace_pool.py`), shared by all their sessions:
it holds the user's ranking index with its keyword sets (through its `HeldIndex` slot) and
their saved lists as last read, and references the services every workspace shares. Every
operation is scoped to the workspace's user.

What it holds stays right across processes because every request that uses it checks it
against the database first, in the one read that request makes anyway: a ranking reads the
user's tracking row (postings version, saved lists) and the index is used only at that
version; the saved lists are replaced whenever that row changed.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable, Sequence
from contextlib import aclosing
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from dreamjobsearch.domain.filters import NO_FILTERS, PostingFilters
from dreamjobsearch.domain.ranking import RankedPosting
from dreamjobsearch.domain.tracking import (
    STATUSES,
    UNCHANGED,
    Status,
    Unchanged,
    check_location,
    check_note,
    company_key,
    normalize_companies,
)
from dreamjobsearch.errors import (
    ConflictError,
    InvalidInputError,
    NotFoundError,
)
from dreamjobsearch.export import ExportFile, ExportFormat, render
from dreamjobsearch.imports.reader import ReaderFailedError, file_pieces
from dreamjobsearch.params.update import UpdateParams
from dreamjobsearch.runs.base import Runner
from dreamjobsearch.runs.starter import RunStarter
from dreamjobsearch.search.cache import HeldIndex, RankingCache
from dreamjobsearch.search.ranker import Ranker, RankPage
from dreamjobsearch.search.request import check_keywords, rank_request
from dreamjobsearch.search.selection import Sort
from dreamjobsearch.sources.files import (
    DocumentError,
    DocumentKind,
    ParsedRows,
    Rejection,
    parse_document,
    parse_rows,
)
from dreamjobsearch.storage.models import Run, utcnow
from dreamjobsearch.storage.postings import (
    PostingDetail,
    PostingRepository,
    StoreResult,
)
from dreamjobsearch.storage.runs import ACTIVE_STATES, RunRepository
from dreamjobsearch.storage.tracking import (
    StatusColumn,
    TrackedPosting,
    TrackingRepository,
    TrackingState,
)
from dreamjobsearch.storage.user_files import FileInfo, UserFiles

# Rows of a file read a piece at a time that one transaction stores.
# Rejected rows of such a file that the report lists (the rest are counted).
LISTED_REJECTIONS = 100
MAX_BOARD_ITEMS = 200


@dataclass(frozen=True, slots=True)
class WorkspaceServices:
    """What every workspace shares: repositories, the runner, the source registry, and the
    ranking (with its per-process cache of users' indexes)."""

    data_dir: Path
    postings: PostingRepository
    runs: RunRepository
    runner: Runner
    # Every run a user starts goes through it (limits, source checks).
    starter: RunStarter
    ranker: Ranker
    files: UserFiles
    # The same repository the ranker reads statuses through.
    tracking: TrackingRepository

    @property
    def rankings(self) -> RankingCache:
        """The ranking indexes this process holds (in its workspaces' slots)."""
        return self.ranker.cache


@dataclass(frozen=True, slots=True)
class SavedLists:
    """The user's tracking row as last read, and the company keys of their block list."""

    state: TrackingState
    blocked_keys: frozenset[str]

    @classmethod
    def of(cls, state: TrackingState) -> SavedLists:
        """The lists of `state`, with the block list's keys worked out once."""
        return cls(state, frozenset(company_key(name) for name in state.blocked_companies))


@dataclass(frozen=True, slots=True)
class SavedKeywords:
    """What the user ranks by when they say nothing else: keywords, and a location (None:
    anywhere)."""

    keywords: list[str]
    location: str | None


@dataclass(frozen=True, slots=True)
class SeenTimes:
    """The visit just recorded, and the one before it (None on a first visit)."""

    previous: datetime | None
    now: datetime


@dataclass(frozen=True, slots=True)
class ImportReport:
    """The outcome of an import: new postings, ones the user already had, rejected rows
    (the first of them, when a file read a piece at a time rejects more than it lists)."""

    imported: int
    duplicates: int
    rejected: list[Rejection]
    rejected_count: int | None = None

    @property
    def rejected_total(self) -> int:
        """How many rows were rejected, listed or not."""
        return len(self.rejected) if self.rejected_count is None else self.rejected_count


class ImportInterruptedError(InvalidInputError):
    """A file read a piece at a time broke part-way: its message says where, and what the
    pieces before the break stored (kept: importing the fixed file again skips them)."""

    def __init__(self, problem: str, report: ImportReport) -> None:
        super().__init__(
            f"{problem}. Stored before it: {report.imported} new postings, "
            f"{report.duplicates} duplicates, {report.rejected_total} rows rejected; "
            "importing the file again once fixed skips what is stored"
        )
        self.report = report


class Workspace:
    """One user's workspace: their ranking index, saved lists, and what they can do."""

    __slots__ = ("_lists", "_services", "email", "ranking", "user_id")

    def __init__(
        self,
        user_id: int,
        email: str,
        services: WorkspaceServices,
        ranking: HeldIndex | None = None,
    ) -> None:
        self.user_id = user_id
        self.email = email
        self._services = services
        # The slot the process's ranking cache keeps this user's index in; a workspace
        # built outside the pool has one of its own that the cache does not fill.
        self.ranking = ranking if ranking is not None else HeldIndex(user_id)
        self._lists: SavedLists | None = None

    @property
    def nbytes(self) -> int:
        """Bytes of the ranking index held for the user (its own exact count)."""
        return self.ranking.nbytes

    async def import_rows(self, rows: Sequence[Any]) -> ImportReport:
        """Import already-decoded rows (the JSON API); bad rows are reported, not fatal."""
        parsed = await asyncio.to_thread(parse_rows, rows)
        return await self._store(parsed)

    async def import_document(self, data: bytes, kind: DocumentKind) -> ImportReport:
        """Import a JSON, JSON Lines or CSV document (an upload) in one transaction."""
        parsed = await asyncio.to_thread(parse_document, data, kind)
        return await self._store(parsed)

    async def import_file(
        self, path: Path, kind: DocumentKind, progress: Callable[[int, int], None]
    ) -> ImportReport:
        """Import a JSON, JSON Lines or CSV file of any size, a piece at a time.

        Memory stays bounded by a few pieces, and each piece is stored in its own
        transaction, so what a broken file held before the break is kept
        (`ImportInterruptedError` says how much); postings the user has, earlier pieces'
        included, count as duplicates. The next piece is read, validated and prepared
        (`dreamjobsearch.imports`) while the last is stored. `progress(bytes_read,
        rows_read)` is called after each piece.
        """
        totals = _ImportTotals()
        stored = 0
        owner, postings = self.user_id, self._services.postings
        async with aclosing(file_pieces(path, kind, owner, postings.postgresql)) as pieces:
            try:
                async for piece in pieces:
                    result = await postings.store_prepared(owner, piece.prepared)
                    totals.add(result, piece.rejected)
                    progress(piece.bytes_read, piece.rows_read)
                    stored += 1
                    if stored & (stored - 1) == 0:
                        # At 1, 2, 4, 8... pieces: the tables have doubled since the last time.
                        await postings.refresh_statistics()
            except (DocumentError, ReaderFailedError) as error:
                raise ImportInterruptedError(str(error), totals.report()) from error
        return totals.report()

    async def rank(
        self,
        keywords: Sequence[str],
        location: str | None,
        limit: int,
        offset: int,
        statuses: Iterable[Status] | None = None,
        sort: Sort = "score",
        filters: PostingFilters = NO_FILTERS,
        run_id: str | None = None,
    ) -> RankPage:
        """The user's postings ranked by keywords matched, one page of them; without
        keywords, all of them newest first.

        Only `statuses` are shown (by default all but rejected and archived), never the
        companies the user blocked, only what `filters` keep; `sort="date"` lists newest
        first instead of best. With `run_id`, only the postings that run found new
        (`NotFoundError` for a run that is not the user's).
        """
        only = None if run_id is None else await self._found_by(run_id)
        request = rank_request(keywords, location, statuses, sort, offset, limit, filters, only)
        lists = await self._read_lists()
        return await self._services.ranker.rank(self.user_id, request, lists.state)

    async def export(
        self,
        kind: ExportFormat,
        keywords: Sequence[str],
        location: str | None = None,
        statuses: Iterable[Status] | None = None,
        sort: Sort = "score",
        filters: PostingFilters = NO_FILTERS,
        run_id: str | None = None,
    ) -> ExportFile:
        """The whole ranked view (every page) as a CSV or JSON file; with `run_id`, only
        the postings that run found new, as `rank` shows them."""
        only = None if run_id is None else await self._found_by(run_id)
        request = rank_request(keywords, location, statuses, sort, 0, None, filters, only)
        lists = await self._read_lists()
        page = await self._services.ranker.rank(self.user_id, request, lists.state)
        return await asyncio.to_thread(render, page.items, kind, utcnow())

    async def export_everything(self, kind: ExportFormat) -> ExportFile:
        """Every posting of the user's as a CSV or JSON file, the most recently found first:
        all statuses, blocked companies too, one row per board's copy, without a ranking
        (score 0, nothing matched). The columns are the ranked export's, so one tool reads
        both."""
        last_seen_at = (await self._read_lists()).state.last_seen_at
        items = [
            RankedPosting(
                tracked.posting,
                score=0,
                matched_keywords=(),
                status=tracked.status,
                note=tracked.note,
                is_new=last_seen_at is None or tracked.posting.found_at > last_seen_at,
            )
            for tracked in await self._services.tracking.every_posting(self.user_id)
        ]
        return await asyncio.to_thread(render, items, kind, utcnow())

    async def track(
        self, posting_id: int, status: Status | None = None, note: str | None = None
    ) -> TrackedPosting:
        """Set where the user is with a posting (and its copies on other boards)."""
        if status is None and note is None:
            raise InvalidInputError("give a status, a note, or both")
        cleaned = None if note is None else check_note(note)
        tracked = await self._services.tracking.update(self.user_id, posting_id, status, cleaned)
        if tracked is None:
            raise NotFoundError("no such posting among yours")
        return tracked

    async def board(
        self, statuses: Iterable[Status] | None = None, limit: int = 20, offset: int = 0
    ) -> list[StatusColumn]:
        """The user's jobs by status: each status's count and most recently found, one
        card per job, the companies they hid left out (as in rankings)."""
        if not 1 <= limit <= MAX_BOARD_ITEMS or offset < 0:
            raise InvalidInputError(f"limit is 1 to {MAX_BOARD_ITEMS}, offset 0 or more")
        chosen = set(STATUSES if statuses is None else statuses)
        ordered = [status for status in STATUSES if status in chosen]
        blocked = (await self._read_lists()).blocked_keys
        return await self._services.tracking.board(self.user_id, ordered, limit, offset, blocked)

    async def saved_keywords(self) -> SavedKeywords:
        """The user's saved keywords and location."""
        state = (await self._read_lists()).state
        return SavedKeywords(list(state.keywords), state.location)

    async def save_keywords(
        self, keywords: Iterable[str], location: str | Unchanged | None = UNCHANGED
    ) -> SavedKeywords:
        """Replace the saved keywords (normalised as rankings do) and, unless `UNCHANGED`,
        the saved location (trimmed; blank or None: anywhere); what is kept now."""
        cleaned = check_keywords(keywords)
        place = location if location is UNCHANGED else check_location(location)
        await self._services.tracking.save_keywords(self.user_id, cleaned, place)
        return await self.saved_keywords()

    async def blocked_companies(self) -> list[str]:
        """The companies the user blocked, as they spelled them."""
        return list((await self._read_lists()).state.blocked_companies)

    async def block_companies(self, names: Iterable[str]) -> list[str]:
        """Replace the blocked companies; the list kept (repeats and blanks dropped)."""
        cleaned = normalize_companies(names)
        await self._services.tracking.save_blocked_companies(self.user_id, cleaned)
        return cleaned

    async def block_company(self, name: str) -> list[str]:
        """Add one company to the block list (no change if already there)."""
        current = await self.blocked_companies()
        return await self.block_companies([*current, name])

    async def unblock_company(self, name: str) -> list[str]:
        """Take one company off the block list; `NotFoundError` if it was not on it."""
        current = await self.blocked_companies()
        kept = [company for company in current if company_key(company) != company_key(name)]
        if len(kept) == len(current):
            raise NotFoundError("that company is not blocked")
        return await self.block_companies(kept)

    async def mark_seen(self) -> SeenTimes:
        """Record a visit: postings found after it are no longer new (`is_new`)."""
        previous = (await self._read_lists()).state.last_seen_at
        now = utcnow()
        await self._services.tracking.save_last_seen(self.user_id, now)
        return SeenTimes(previous=previous, now=now)

    async def has_postings(self) -> bool:
        """Whether the user has any posting at all (an empty ranking may just be filtered)."""
        return await self._services.tracking.has_postings(self.user_id)

    async def posting(self, posting_id: int) -> PostingDetail:
        """One of the user's postings in full; `NotFoundError` for any other."""
        detail = await self._services.postings.detail_for_user(self.user_id, posting_id)
        if detail is None:
            raise NotFoundError("no such posting among yours")
        return detail

    async def start_update(self, params: UpdateParams) -> Run:
        """Record a run and hand it to the runner; it proceeds in the background."""
        return await self._services.starter.start(self.user_id, params)

    async def files(self) -> list[FileInfo]:
        """The user's own files (what their `file` sources can read), by name."""
        return await self._services.files.list_for_user(self.user_id)

    async def store_file(self, name: str, data: bytes) -> FileInfo:
        """Create or replace one of the user's files; `PayloadTooLargeError` beyond their limits."""
        return await self._services.files.store(self.user_id, name, data)

    async def delete_file(self, name: str) -> None:
        """Delete one of the user's files; `NotFoundError` when they have none of that name."""
        await self._services.files.delete(self.user_id, name)

    async def runs(self, limit: int = 100) -> list[Run]:
        """The user's most recent runs (at most `limit`), newest first."""
        return await self._services.runs.list_for_user(self.user_id, limit)

    async def run(self, run_id: str) -> Run:
        """One of the user's runs; `NotFoundError` for anyone else's."""
        run = await self._services.runs.get(self.user_id, run_id)
        if run is None:
            raise NotFoundError("no such run")
        return run

    async def run_again(self, run_id: str) -> Run:
        """Start a run with the parameters of one of the user's runs (its saved search, if
        any, is not involved: this is the user's own run)."""
        run = await self.run(run_id)
        try:
            params = UpdateParams.model_validate(run.params or {})
        except ValidationError as error:
            # Only a record older than today's parameters could fail here.
            raise InvalidInputError("that run cannot be repeated: start a new search") from error
        return await self.start_update(params)

    async def _found_by(self, run_id: str) -> list[int]:
        """The ids of the postings a run of the user's found new: those they first found
        while it ran (a run of theirs at the same time shares the window)."""
        run = await self.run(run_id)
        if run.started_at is None:
            return []
        until = run.finished_at or utcnow()
        return await self._services.postings.ids_found_between(self.user_id, run.started_at, until)

    async def cancel_run(self, run_id: str) -> Run:
        """Ask the user's run to stop; `ConflictError` when it has already finished."""
        run = await self.run(run_id)
        if run.status not in ACTIVE_STATES:
            raise ConflictError(f"run already {run.status}")
        if not await self._services.runner.cancel(run_id):
            # No runner holds it any more (its process stopped): settle the record here.
            await self._services.runs.finish(run_id, "cancelled", run.counts)
        return await self.run(run_id)

    async def _read_lists(self) -> SavedLists:
        """The user's saved lists as stored now: one primary-key read, which also checks
        what this workspace holds (another process may have changed them); what was
        worked out from them is kept while they stay the same."""
        state = await self._services.tracking.state(self.user_id)
        held = self._lists
        if held is None or held.state != state:
            held = self._lists = SavedLists.of(state)
        return held

    async def _store(self, parsed: ParsedRows) -> ImportReport:
        result = await self._services.postings.store_for_user(self.user_id, parsed.postings)
        return ImportReport(
            imported=result.new, duplicates=result.duplicates, rejected=parsed.rejected
        )


@dataclass(slots=True)
class _ImportTotals:
    """What an import of a file has stored and rejected so far."""

    imported: int = 0
    duplicates: int = 0
    rejected_count: int = 0
    rejected: list[Rejection] = field(default_factory=list)

    def add(self, result: StoreResult, rejected: list[Rejection]) -> None:
        """Count one piece: what it stored, and its rejections (the first few listed)."""
        self.imported += result.new
        self.duplicates += result.duplicates
        self.rejected_count += len(rejected)
        self.rejected.extend(rejected[: LISTED_REJECTIONS - len(self.rejected)])

    def report(self) -> ImportReport:
        """The totals as an import's report."""
        return ImportReport(self.imported, self.duplicates, self.rejected, self.rejected_count)
