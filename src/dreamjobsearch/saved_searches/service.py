"""A user's saved searches: kept within their limits, run once when saved, then when due.

A search is due when its `next_run_at` has passed. Whoever starts it (this service when it
is saved or run by hand, the scheduler when it is due) first claims it: a compare-and-set
that moves `next_run_at` to the following run. Only one of several processes that see the
same due search wins that update, so it runs once.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from pydantic import ValidationError

from dreamjobsearch.clock import Clock
from dreamjobsearch.errors import (
    DomainError,
    InvalidValueError,
    NotFoundError,
    TooManyRequestsError,
)
from dreamjobsearch.params.saved_searches import SavedSearchSpec
from dreamjobsearch.runs.starter import RunStarter
from dreamjobsearch.saved_searches.unsubscribe import UnsubscribeLinks
from dreamjobsearch.storage.models import Run, SavedSearch
from dreamjobsearch.storage.saved_searches import SavedSearchRepository

logger = logging.getLogger(__name__)

# At most this many due searches are started in one pass of the scheduler; the rest wait
# for the next pass (a few seconds), so one pass never holds the database for long.
DUE_BATCH = 100


@dataclass(frozen=True, slots=True)
class SavedSearchLimits:
    """How many saved searches a user may keep and how often each may run."""

    max_per_user: int = 20
    min_every_hours: int = 1
    min_seconds_between_runs: int = 60


@dataclass(frozen=True, slots=True)
class Started:
    """What starting a saved search gave: its run, or why none was started."""

    run: Run | None
    error: str | None


class SavedSearchService:
    """Create, read, edit, delete and run saved searches; each call scoped to one user."""

    def __init__(
        self,
        searches: SavedSearchRepository,
        starter: RunStarter,
        clock: Clock,
        limits: SavedSearchLimits,
        unsubscribe_links: UnsubscribeLinks,
    ) -> None:
        self._searches = searches
        self._starter = starter
        self._clock = clock
        self.limits = limits
        self._unsubscribe_links = unsubscribe_links

    def now(self) -> datetime:
        """The clock's time, as an aware UTC datetime."""
        return datetime.fromtimestamp(self._clock.now(), UTC)

    async def list(self, user_id: int) -> list[SavedSearch]:
        """The user's saved searches."""
        return await self._searches.list_for_user(user_id)

    async def get(self, user_id: int, search_id: int) -> SavedSearch:
        """One of the user's saved searches; `NotFoundError` for anyone else's."""
        search = await self._searches.get(user_id, search_id)
        if search is None:
            raise NotFoundError("no such saved search")
        return search

    async def create(self, user_id: int, spec: SavedSearchSpec) -> SavedSearch:
        """Save a search and run it at once (its first run: `last_run_id`, or `last_error`
        when it could not start); 429 beyond the user's limit."""
        self._check_schedule(spec)
        count = await self._searches.count_for_user(user_id)
        if count >= self.limits.max_per_user:
            raise TooManyRequestsError(
                f"you have {count} saved searches, the most allowed: delete one first"
            )
        # Saved with its next run already moved past this first one, so the scheduler
        # never sees it due now and starts a second first run.
        now = self.now()
        search = await self._searches.create(user_id, spec.name, _stored(spec), spec.next_run(now))
        await self._start(search, spec)
        return await self.get(user_id, search.id)

    async def update(self, user_id: int, search_id: int, changes: dict[str, Any]) -> SavedSearch:
        """Apply a partial edit. A new schedule counts from now; `ValidationError` when the
        edited search is not valid as a whole."""
        search = await self.get(user_id, search_id)
        old = spec_of(search)
        spec = old.merged(changes)
        self._check_schedule(spec)
        next_run_at = search.next_run_at
        if (spec.every_hours, spec.daily_at, spec.time_zone) != (
            old.every_hours,
            old.daily_at,
            old.time_zone,
        ):
            next_run_at = spec.next_run(self.now())
        await self._searches.replace(user_id, search_id, spec.name, _stored(spec), next_run_at)
        return await self.get(user_id, search_id)

    async def delete(self, user_id: int, search_id: int) -> None:
        """Delete one of the user's saved searches (its runs and alerts stay)."""
        if not await self._searches.delete(user_id, search_id):
            raise NotFoundError("no such saved search")

    async def unsubscribe_target(self, token: str) -> SavedSearch | None:
        """The saved search an unsubscribe link names (None when it is gone), changing
        nothing; `InvalidInputError` for a link that was not made here."""
        named = self._unsubscribe_links.read(token)
        return await self._searches.get(named.user_id, named.search_id)

    async def unsubscribe(self, token: str) -> SavedSearch | None:
        """Turn off the email of the saved search an unsubscribe link names, without a
        login (the signed token is the proof); None when that search is gone (nothing left
        to send). `InvalidInputError` for a link that was not made here."""
        search = await self.unsubscribe_target(token)
        if search is None:
            return None
        spec = spec_of(search).merged({"email": False})
        await self._searches.replace(
            search.user_id, search.id, spec.name, _stored(spec), search.next_run_at
        )
        return await self._searches.get(search.user_id, search.id)

    async def run_now(self, user_id: int, search_id: int) -> Run:
        """Run a saved search now, by hand; its schedule is unchanged. 429 when it last ran
        less than the limit's seconds ago, or the user has too many runs going."""
        search = await self.get(user_id, search_id)
        if search.last_run_at is not None:
            waited = (self.now() - search.last_run_at).total_seconds()
            wait = self.limits.min_seconds_between_runs - waited
            if wait > 0:
                raise TooManyRequestsError(
                    f"this saved search ran {int(waited)} seconds ago: run it again in "
                    f"{int(wait) + 1} seconds",
                    retry_after=int(wait) + 1,
                )
        started = await self._start(search)
        if started.run is None:
            raise TooManyRequestsError(started.error or "the run could not start")
        return started.run

    async def run_due(self) -> int:
        """Start every saved search that is due and that this process claims first;
        returns how many it started."""
        started = 0
        for search in await self._searches.due(self.now(), DUE_BATCH):
            result = await self._start_if_claimed(search)
            started += result.run is not None
        return started

    async def _start_if_claimed(self, search: SavedSearch) -> Started:
        try:
            spec = spec_of(search)
        except ValidationError:
            # A search saved under rules that have changed since: it waits for an edit.
            logger.warning("saved search %s no longer validates; not run", search.id)
            return Started(None, "this saved search is no longer valid: edit it")
        if not await self._searches.claim(search, spec.next_run(self.now())):
            return Started(None, None)
        return await self._start(search, spec)

    async def _start(self, search: SavedSearch, spec: SavedSearchSpec | None = None) -> Started:
        spec = spec or spec_of(search)
        try:
            run = await self._starter.start(search.user_id, spec.update_params(), search.id)
        except DomainError as error:
            # Too many runs going, a file source deleted: the search keeps its schedule and
            # says why this run did not happen.
            await self._searches.record_start(
                search.user_id, search.id, None, error.message, self.now()
            )
            return Started(None, error.message)
        await self._searches.record_start(search.user_id, search.id, run.id, None, self.now())
        return Started(run, None)

    def _check_schedule(self, spec: SavedSearchSpec) -> None:
        least = self.limits.min_every_hours
        if spec.every_hours is not None and spec.every_hours < least:
            raise InvalidValueError(
                f"every_hours must be at least {least} on this server (got {spec.every_hours})"
            )


def spec_of(search: SavedSearch) -> SavedSearchSpec:
    """The saved search's spec, as stored."""
    return SavedSearchSpec.model_validate(search.spec)


def _stored(spec: SavedSearchSpec) -> dict[str, Any]:
    return spec.model_dump(mode="json")
