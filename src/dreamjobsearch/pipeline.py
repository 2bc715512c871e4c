"""An update run: for each source x query x location, collect links, fetch the new ones, store.

Postings the server already fetched (for anyone), or that the user already has, are only
linked to the user, never fetched again; new ones are fetched concurrently within the host's
pacing and each stored in its own transaction, so a run cut off part-way keeps what it stored
and a re-run fetches only the rest. Progress goes to the user's event streams as it happens
and to the run record.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from dreamjobsearch.domain.postings import JobLink, JobPosting
from dreamjobsearch.errors import DomainError
from dreamjobsearch.events.base import Event, EventBus, EventLevel
from dreamjobsearch.params.update import UpdateParams
from dreamjobsearch.sources.base import JobSource
from dreamjobsearch.sources.catalog import SourceSpec
from dreamjobsearch.sources.http import FetchError, HostBlockedError, PoliteHttp, RunHttp
from dreamjobsearch.sources.registry import SourceRegistry
from dreamjobsearch.storage.postings import PostingRepository
from dreamjobsearch.storage.runs import RunRepository

logger = logging.getLogger(__name__)

BATCH_SIZE = 50
MAX_PROBLEMS_LOGGED = 20
COUNT_NAMES = ("links_found", "fetched", "new", "duplicates", "errors", "blocked")
# What a run that failed for a reason of ours says (the traceback is in the server log).
INTERNAL_ERROR = "Something went wrong on our side; the details are in the server log."

T = TypeVar("T")


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


@dataclass(slots=True)
class RunHandle:
    """A run being executed; `stop_status` says what a cancellation means for it."""

    run_id: str
    user_id: int
    params: UpdateParams
    stop_status: str = "cancelled"
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(COUNT_NAMES, 0))
    first_error: str | None = None
    blocked_boards: set[str] = field(default_factory=set)
    searches_blocked: int = 0
    searches_done: int = 0
    searches_total: int = 0


@dataclass(frozen=True, slots=True)
class _Search:
    """One search of a run: which source, what query, where."""

    source: JobSource
    board: str
    query: str
    location: str
    http: RunHttp


class UpdatePipeline:
    """Executes update runs."""

    def __init__(
        self,
        postings: PostingRepository,
        runs: RunRepository,
        bus: EventBus,
        sources: SourceRegistry,
        http: PoliteHttp,
        fetch_concurrency: int,
        prepare_rankings: Callable[[int], Awaitable[None]] | None = None,
        before_success: Callable[[str, int], Awaitable[object]] | None = None,
        after_run: Callable[[str, int], Awaitable[object]] | None = None,
    ) -> None:
        self._postings = postings
        self._runs = runs
        self._bus = bus
        self._sources = sources
        self._http = http
        self._fetch_concurrency = fetch_concurrency
        # Called with the user's id after a run that stored postings for them, so that the
        # results they open next are ranked from an index already brought up to date.
        self._prepare_rankings = prepare_rankings
        # Called with the run's id and user just before a run is recorded succeeded (a saved
        # search's alerts, there when anyone sees the run finished), and once it has
        # finished, unless cancelled (their email). Their failures are logged, never the run's.
        self._before_success = before_success
        self._after_run = after_run

    async def execute(self, handle: RunHandle) -> None:
        """Run to a final state: succeeded, failed, or `handle.stop_status` when cancelled;
        then, if it stored postings and was not cancelled, prepare the user's rankings and
        run the `after_run` step."""
        await self._run_to_end(handle)
        if handle.counts["new"] and self._prepare_rankings is not None:
            await self._prepare_rankings(handle.user_id)
        await _logged_failure(self._after_run, handle)

    async def _run_to_end(self, handle: RunHandle) -> None:
        try:
            await _uninterrupted(self._runs.mark_running(handle.run_id))
            await self._state(handle, "running")
            message = await self._collect(handle)
        except asyncio.CancelledError:
            await self.stop(handle)
            raise
        except Exception as error:
            detail = error.message if isinstance(error, DomainError) else INTERNAL_ERROR
            logger.exception("run %s failed", handle.run_id)
            await self._runs.finish(handle.run_id, "failed", handle.counts, detail)
            await self._state(handle, "failed", level="error", detail=detail)
            return
        counts = handle.counts
        if counts["errors"] and not (counts["links_found"] or counts["blocked"]):
            await self._runs.finish(handle.run_id, "failed", counts, handle.first_error)
            await self._state(handle, "failed", level="error", detail=handle.first_error or "")
            return
        await _logged_failure(self._before_success, handle)
        await self._runs.finish(handle.run_id, "succeeded", counts, message=message)
        await self._state(handle, "succeeded", detail=message or "")

    async def stop(self, handle: RunHandle) -> None:
        """Record that the run stopped before finishing (cancelled or interrupted)."""
        await self._runs.finish(handle.run_id, handle.stop_status, handle.counts)
        await self._state(handle, handle.stop_status, level="warning")

    async def _collect(self, handle: RunHandle) -> str | None:
        params = handle.params
        specs: Sequence[SourceSpec] = params.sources or ()
        searches_per_source = len(params.queries) * len(params.locations)
        handle.searches_total = len(specs) * searches_per_source
        http = self._http.for_run()
        for spec in specs:
            board = spec.display_name()
            try:
                source = await self._sources.build(spec, http, handle.user_id)
            except FetchError as error:
                await self._error(handle, _sentence(f"{board} {error.message}"), error)
                handle.searches_done += searches_per_source
                continue
            except DomainError as error:
                # Only a user's file fails to build otherwise, and its errors name the file.
                await self._error(handle, _sentence(error.message), error)
                handle.searches_done += searches_per_source
                continue
            reported = 0
            for query in params.queries:
                for location in params.locations:
                    await self._search(handle, _Search(source, board, query, location, http))
                    reported = await self._report_problems(handle, source, board, reported)
                    handle.searches_done += 1
                    await _uninterrupted(self._runs.save_counts(handle.run_id, handle.counts))
                    await self._progress(
                        handle, _sentence(f"{board}: searched {_searched(query, location)}")
                    )
        return _blocked_message(handle)

    async def _search(self, handle: RunHandle, search: _Search) -> None:
        params = handle.params
        links: list[JobLink] = []
        batch: list[JobPosting] = []
        try:
            async for item in search.source.search(
                search.query, search.location, params.published_after, params.max_jobs_per_search
            ):
                handle.counts["links_found"] += 1
                if isinstance(item, JobPosting):
                    handle.counts["fetched"] += 1
                    batch.append(item)
                    if len(batch) >= BATCH_SIZE:
                        await self._store(handle, batch, search)
                        batch = []
                else:
                    links.append(item)
        except HostBlockedError as error:
            handle.searches_blocked += 1
            await self._blocked(handle, search, error)
        except DomainError as error:
            what = f"searching {_searched(search.query, search.location)}"
            await self._error(handle, _failure(search.board, error, what), error)
        if batch:
            await self._store(handle, batch, search)
        if links:
            await self._fetch_new(handle, search, links)

    async def _fetch_new(self, handle: RunHandle, search: _Search, links: list[JobLink]) -> None:
        """Link the postings the user has or the server already fetched; fetch and store the
        others, a few at a time."""
        known = await self._postings.known(
            handle.user_id, [(link.source, link.external_id) for link in links]
        )
        if known:
            result = await _uninterrupted(
                self._postings.link_for_user(
                    handle.user_id, list(known.values()), search.query, search.location
                )
            )
            handle.counts["new"] += result.new
            handle.counts["duplicates"] += result.duplicates
        missing = [link for link in links if (link.source, link.external_id) not in known]
        slots = asyncio.Semaphore(self._fetch_concurrency)

        async def fetch(link: JobLink) -> None:
            async with slots:
                await self._fetch_one(handle, search, link)

        async with asyncio.TaskGroup() as group:
            for link in missing:
                group.create_task(fetch(link))

    async def _fetch_one(self, handle: RunHandle, search: _Search, link: JobLink) -> None:
        if search.http.is_blocked(link.url):
            handle.counts["blocked"] += 1
            return
        try:
            posting = await search.source.fetch(link)
        except HostBlockedError as error:
            handle.counts["blocked"] += 1
            if handle.counts["blocked"] == 1:
                await self._blocked(handle, search, error)
            return
        except DomainError as error:
            await self._error(handle, _failure(search.board, error, f"job page {link.url}"), error)
            return
        handle.counts["fetched"] += 1
        await self._store(handle, [posting], search)
        await self._progress(handle, _sentence(f"{search.board}: fetched {posting.title!r}"))

    async def _store(self, handle: RunHandle, batch: list[JobPosting], search: _Search) -> None:
        async def store_and_count() -> None:
            # Only what the server fetched from a board is stored for everyone.
            result = await self._postings.store_for_user(
                handle.user_id,
                batch,
                search.query,
                search.location,
                shared=search.source.server_fetched,
            )
            handle.counts["new"] += result.new
            handle.counts["duplicates"] += result.duplicates

        await _uninterrupted(store_and_count())

    async def _report_problems(
        self, handle: RunHandle, source: JobSource, board: str, reported: int
    ) -> int:
        """Count and log the items a source skipped since the last report."""
        problems = source.problems[reported:]
        handle.counts["errors"] += len(problems)
        for problem in problems[:MAX_PROBLEMS_LOGGED]:
            await self._log(handle, _sentence(f"{board}: skipped {problem}"), level="warning")
        return reported + len(problems)

    async def _error(self, handle: RunHandle, message: str, error: DomainError) -> None:
        """Count an error; the user reads `message`, the server log gets the technical
        account of `error` (addresses, exceptions, errno), which means nothing to them, unless
        it says only what `message` says (a user's file names its own problem)."""
        technical = str(error)
        if technical.casefold() == message.casefold():
            logger.warning("run %s: %s", handle.run_id, message)
        else:
            logger.warning("run %s: %s (%s)", handle.run_id, message, technical)
        handle.counts["errors"] += 1
        handle.first_error = handle.first_error or message
        await self._log(handle, message, level="warning")

    async def _blocked(self, handle: RunHandle, search: _Search, error: HostBlockedError) -> None:
        handle.blocked_boards.add(search.board)
        await self._log(handle, _sentence(f"{search.board} {error.message}"), level="warning")

    async def _progress(self, handle: RunHandle, message: str) -> None:
        done, total = handle.searches_done, handle.searches_total
        await self._bus.publish(
            handle.user_id,
            Event(
                kind="progress",
                run_id=handle.run_id,
                message=message,
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


async def _logged_failure(
    hook: Callable[[str, int], Awaitable[object]] | None, handle: RunHandle
) -> None:
    """Call a run's hook; its failure is logged, never the run's."""
    if hook is None:
        return
    try:
        await hook(handle.run_id, handle.user_id)
    except Exception:
        logger.exception("run %s: %s failed", handle.run_id, getattr(hook, "__name__", hook))


def _sentence(text: str) -> str:
    """`text` with a capital first letter ("the Lever board acme ..." opens a message)."""
    return text[:1].upper() + text[1:]


def _searched(query: str, location: str) -> str:
    """How a message names one search: `'python' in 'Berlin'`."""
    return f"{query!r} in {location!r}" if location else repr(query)


def _failure(board: str, error: DomainError, what: str) -> str:
    """A failed request in plain words: the board, what it did, and what we were doing.

    A `FetchError`'s message is a phrase to follow the board's name ("timed out: ...");
    any other error (a user's file, say) is a sentence of its own.
    """
    if isinstance(error, FetchError):
        return _sentence(f"{board} {error.message} ({what})")
    return _sentence(f"{board}: {error.message} ({what})")


def _blocked_message(handle: RunHandle) -> str | None:
    if not handle.blocked_boards:
        return None
    boards = _sentence(" and ".join(sorted(handle.blocked_boards)))
    left = []
    if handle.counts["blocked"]:
        left.append(f"{handle.counts['blocked']} postings remain to fetch")
    if handle.searches_blocked:
        left.append(f"{handle.searches_blocked} searches did not finish")
    return (
        f"{boards} refused us (blocked): {' and '.join(left) or 'nothing was lost'}. "
        "Run the same search again later to continue; what was stored is kept."
    )
