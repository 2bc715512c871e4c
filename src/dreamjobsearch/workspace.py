"""`DreamJobSearch`: one user's workspace, the facade the API, web and CLI talk to.

A workspace is small (the user's id, email and saved configuration) and holds references to
the services every workspace shares, so a process can keep one per session cheaply. Every
operation is scoped to the workspace's user.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from dreamjobsearch.errors import (
    ConflictError,
    InvalidInputError,
    NotFoundError,
    TooManyRequestsError,
)
from dreamjobsearch.pipeline import UpdateParams
from dreamjobsearch.ranking import RankedPosting, normalize_keywords, rank
from dreamjobsearch.runs.base import Runner
from dreamjobsearch.sources.files import ParsedRows, Rejection, parse_document, parse_rows
from dreamjobsearch.sources.registry import SourceRegistry
from dreamjobsearch.sources.specs import DEFAULT_SOURCES, SOURCE_SPEC, SourceSpec
from dreamjobsearch.storage.models import Run
from dreamjobsearch.storage.postings import PostingDetail, PostingRepository
from dreamjobsearch.storage.runs import ACTIVE_STATES, RunRepository

MAX_KEYWORDS = 100
MAX_KEYWORD_LENGTH = 200
PROGRESS_CHUNK = 500


@dataclass(frozen=True, slots=True)
class WorkspaceServices:
    """What every workspace shares: repositories, the runner and the source registry."""

    data_dir: Path
    postings: PostingRepository
    runs: RunRepository
    runner: Runner
    sources: SourceRegistry
    max_active_runs: int


@dataclass(frozen=True, slots=True)
class ImportReport:
    """The outcome of an import: new postings, ones the user already had, rejected rows."""

    imported: int
    duplicates: int
    rejected: list[Rejection]


@dataclass(frozen=True, slots=True)
class RankPage:
    """One page of ranked postings and how many matched in all."""

    total: int
    items: list[RankedPosting]


class DreamJobSearch:
    """One user's workspace: their sources, searches and settings, and what they can do."""

    __slots__ = ("_services", "config", "email", "user_id")

    def __init__(
        self, user_id: int, email: str, config: dict[str, Any], services: WorkspaceServices
    ) -> None:
        self.user_id = user_id
        self.email = email
        self.config = config
        self._services = services

    async def import_rows(self, rows: Sequence[Any]) -> ImportReport:
        """Import already-decoded rows (the JSON API); bad rows are reported, not fatal."""
        parsed = await asyncio.to_thread(parse_rows, rows)
        return await self._store(parsed)

    async def import_document(
        self,
        data: bytes,
        kind: Literal["json", "csv"],
        progress: Callable[[int, int], None] | None = None,
    ) -> ImportReport:
        """Import a JSON or CSV document (an upload or a file).

        Without `progress` it is one transaction. With it, postings are stored in chunks
        (each its own transaction; re-importing skips what is stored) and `progress(done,
        total)` is called after each, for a progress bar.
        """
        parsed = await asyncio.to_thread(parse_document, data, kind)
        if progress is None:
            return await self._store(parsed)
        imported = duplicates = 0
        total = len(parsed.postings)
        progress(0, total)
        for start in range(0, total, PROGRESS_CHUNK):
            chunk = parsed.postings[start : start + PROGRESS_CHUNK]
            result = await self._services.postings.store_for_user(self.user_id, chunk)
            imported += result.new
            duplicates += result.duplicates
            progress(start + len(chunk), total)
        return ImportReport(imported, duplicates, parsed.rejected)

    async def rank(
        self, keywords: Sequence[str], location: str | None, limit: int, offset: int
    ) -> RankPage:
        """The user's postings ranked by keywords matched, one page of them."""
        cleaned = normalize_keywords(keywords)
        if not cleaned:
            raise InvalidInputError("give at least one non-blank keyword")
        if len(cleaned) > MAX_KEYWORDS:
            raise InvalidInputError(f"at most {MAX_KEYWORDS} keywords")
        too_long = [k for k in cleaned if len(k) > MAX_KEYWORD_LENGTH]
        if too_long:
            raise InvalidInputError(f"keywords are at most {MAX_KEYWORD_LENGTH} characters")
        postings = await self._services.postings.for_user(self.user_id)
        ranked = await asyncio.to_thread(rank, postings, cleaned, location)
        return RankPage(total=len(ranked), items=ranked[offset : offset + limit])

    async def posting(self, posting_id: int) -> PostingDetail:
        """One of the user's postings in full; `NotFoundError` for any other."""
        detail = await self._services.postings.detail_for_user(self.user_id, posting_id)
        if detail is None:
            raise NotFoundError("no such posting among yours")
        return detail

    async def start_update(self, params: UpdateParams) -> Run:
        """Record a run and hand it to the runner; it proceeds in the background."""
        active = await self._services.runs.count_active(self.user_id)
        limit = self._services.max_active_runs
        if active >= limit:
            raise TooManyRequestsError(
                f"you already have {active} runs in progress (at most {limit}): "
                "wait for one to finish or cancel it"
            )
        specs = self._sources_for(params)
        for spec in specs:
            self._services.sources.check(spec)
        params = params.model_copy(update={"sources": specs})
        run_id = uuid.uuid4().hex
        run = await self._services.runs.create(run_id, self.user_id, params.model_dump(mode="json"))
        await self._services.runner.submit(run_id, self.user_id, params)
        return run

    async def runs(self) -> list[Run]:
        """The user's runs, newest first."""
        return await self._services.runs.list_for_user(self.user_id)

    async def run(self, run_id: str) -> Run:
        """One of the user's runs; `NotFoundError` for anyone else's."""
        run = await self._services.runs.get(self.user_id, run_id)
        if run is None:
            raise NotFoundError("no such run")
        return run

    async def cancel_run(self, run_id: str) -> Run:
        """Ask the user's run to stop; `ConflictError` when it has already finished."""
        run = await self.run(run_id)
        if run.status not in ACTIVE_STATES:
            raise ConflictError(f"run already {run.status}")
        if not await self._services.runner.cancel(run_id):
            # No runner holds it any more (its process stopped): settle the record here.
            await self._services.runs.finish(run_id, "cancelled", run.counts)
        return await self.run(run_id)

    def _sources_for(self, params: UpdateParams) -> list[SourceSpec]:
        if params.sources:
            return list(params.sources)
        saved = self.config.get("sources") or DEFAULT_SOURCES
        return [SOURCE_SPEC.validate_python(spec) for spec in saved]

    async def _store(self, parsed: ParsedRows) -> ImportReport:
        result = await self._services.postings.store_for_user(self.user_id, parsed.postings)
        return ImportReport(
            imported=result.new, duplicates=result.duplicates, rejected=parsed.rejected
        )
