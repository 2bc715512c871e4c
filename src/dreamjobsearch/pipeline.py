"""An update run: for each source x query x location, collect postings, store the new ones.

Progress goes to the user's event streams as it happens and to the run record, so a user
sees counts live and afterwards. Postings are stored in small batches, each in its own
transaction, so a run cut off part-way keeps what it stored and a re-run adds only the rest.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Annotated, Any, TypeVar

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

from dreamjobsearch.errors import DomainError
from dreamjobsearch.events.base import Event, EventBus, EventLevel
from dreamjobsearch.sources.base import JobPosting
from dreamjobsearch.sources.registry import SourceRegistry
from dreamjobsearch.sources.specs import SourceSpec
from dreamjobsearch.storage.postings import PostingRepository
from dreamjobsearch.storage.runs import RunRepository

logger = logging.getLogger(__name__)

BATCH_SIZE = 50
MAX_PROBLEMS_LOGGED = 20
COUNT_NAMES = ("links_found", "fetched", "new", "duplicates", "errors")

T = TypeVar("T")

Query = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Location = Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)]


async def _uninterrupted(write: Coroutine[Any, Any, T]) -> T:
    """Run a database write to its end even if the run is cancelled meanwhile, then cancel.

    A task cancelled inside a SQLite transaction can strand its connection holding the write
    lock, so every later write (the run's own `cancelled` record included) fails with
    "database is locked".
    """
    task = asyncio.ensure_future(write)
    try:
        return await asyncio.shield(task)
    except asyncio.CancelledError:
        await asyncio.wait({task})
        raise


class UpdateParams(BaseModel):
    """What to search for in an update run."""

    model_config = ConfigDict(extra="forbid")

    queries: list[Query] = Field(min_length=1, max_length=50)
    locations: list[Location] = Field(default_factory=lambda: [""], max_length=50)
    sources: list[SourceSpec] | None = Field(default=None, min_length=1, max_length=20)
    published_after: datetime | None = None
    max_jobs_per_search: int = Field(default=100, ge=1, le=1000)

    @field_validator("published_after")
    @classmethod
    def _aware(cls, value: datetime | None) -> datetime | None:
        # Postings' dates are aware UTC; a date without a zone means UTC, not a crash.
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value


@dataclass(slots=True)
class RunHandle:
    """A run being executed; `stop_status` says what a cancellation means for it."""

    run_id: str
    user_id: int
    params: UpdateParams
    stop_status: str = "cancelled"
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(COUNT_NAMES, 0))


class UpdatePipeline:
    """Executes update runs."""

    def __init__(
        self,
        postings: PostingRepository,
        runs: RunRepository,
        bus: EventBus,
        sources: SourceRegistry,
    ) -> None:
        self._postings = postings
        self._runs = runs
        self._bus = bus
        self._sources = sources

    async def execute(self, handle: RunHandle) -> None:
        """Run to a final state: succeeded, failed, or `handle.stop_status` when cancelled."""
        try:
            await _uninterrupted(self._runs.mark_running(handle.run_id))
            await self._state(handle, "running")
            await self._collect(handle)
        except asyncio.CancelledError:
            await self.stop(handle)
            raise
        except Exception as error:
            message = error.message if isinstance(error, DomainError) else "internal error"
            logger.exception("run %s failed", handle.run_id)
            await self._runs.finish(handle.run_id, "failed", handle.counts, message)
            await self._state(handle, "failed", level="error", detail=message)
            return
        await self._runs.finish(handle.run_id, "succeeded", handle.counts)
        await self._state(handle, "succeeded")

    async def stop(self, handle: RunHandle) -> None:
        """Record that the run stopped before finishing (cancelled or interrupted)."""
        await self._runs.finish(handle.run_id, handle.stop_status, handle.counts)
        await self._state(handle, handle.stop_status, level="warning")

    async def _collect(self, handle: RunHandle) -> None:
        params = handle.params
        specs: Sequence[SourceSpec] = params.sources or ()
        searches_total = len(specs) * len(params.queries) * len(params.locations)
        searches_done = 0
        for spec in specs:
            built = await self._sources.build(spec)
            if built.problems:
                handle.counts["errors"] += len(built.problems)
                for problem in built.problems[:MAX_PROBLEMS_LOGGED]:
                    await self._log(handle, problem, level="warning")
            for query in params.queries:
                for location in params.locations:
                    await self._search(handle, built.source, query, location)
                    searches_done += 1
                    await _uninterrupted(self._runs.save_counts(handle.run_id, handle.counts))
                    await self._progress(handle, searches_done, searches_total, query, location)

    async def _search(self, handle: RunHandle, source: Any, query: str, location: str) -> None:
        params = handle.params
        batch: list[JobPosting] = []
        async for item in source.search(
            query, location, params.published_after, params.max_jobs_per_search
        ):
            handle.counts["links_found"] += 1
            if isinstance(item, JobPosting):
                posting = item
            else:
                try:
                    posting = await source.fetch(item)
                except DomainError as error:
                    handle.counts["errors"] += 1
                    await self._log(handle, error.message, level="warning")
                    continue
            handle.counts["fetched"] += 1
            batch.append(posting)
            if len(batch) >= BATCH_SIZE:
                await self._store(handle, batch, query, location)
                batch = []
        if batch:
            await self._store(handle, batch, query, location)

    async def _store(
        self, handle: RunHandle, batch: list[JobPosting], query: str, location: str
    ) -> None:
        async def store_and_count() -> None:
            result = await self._postings.store_for_user(handle.user_id, batch, query, location)
            handle.counts["new"] += result.new
            handle.counts["duplicates"] += result.duplicates

        await _uninterrupted(store_and_count())

    async def _progress(
        self, handle: RunHandle, done: int, total: int, query: str, location: str
    ) -> None:
        where = f" in {location!r}" if location else ""
        await self._bus.publish(
            handle.user_id,
            Event(
                kind="progress",
                run_id=handle.run_id,
                message=f"searched {query!r}{where}: {done}/{total} searches done",
                data={
                    **handle.counts,
                    "searches_done": done,
                    "searches_total": total,
                    "percent": round(100 * done / total) if total else 100,
                },
            ),
        )

    async def _state(
        self, handle: RunHandle, status: str, level: EventLevel = "info", detail: str = ""
    ) -> None:
        message = f"run {status}" + (f": {detail}" if detail else "")
        await self._bus.publish(
            handle.user_id,
            Event(
                kind="run_state",
                level=level,
                run_id=handle.run_id,
                message=message,
                data={"status": status, **handle.counts},
            ),
        )

    async def _log(self, handle: RunHandle, message: str, level: EventLevel = "info") -> None:
        await self._bus.publish(
            handle.user_id, Event(kind="log", level=level, run_id=handle.run_id, message=message)
        )
