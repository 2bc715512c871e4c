"""The scheduler: every few seconds, each API process starts the saved searches that are due.

Several processes may look at once; each due search is claimed by exactly one of them (see
`service.py`), which hands its run to the configured runner: this process's tasks with the
local runner, the job queue's workers with `RUNNER=queue`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from dreamjobsearch.saved_searches.service import SavedSearchService

logger = logging.getLogger(__name__)


class Scheduler:
    """Runs `SavedSearchService.run_due` every `interval` seconds until stopped."""

    def __init__(self, searches: SavedSearchService, interval: float) -> None:
        self._searches = searches
        self._interval = interval
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        """Start looking for due searches in the background (idempotent)."""
        if self._task is None:
            self._task = asyncio.create_task(self._forever(), name="saved-search-scheduler")

    async def stop(self) -> None:
        """Stop looking; a run already started goes on."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _forever(self) -> None:
        while True:
            try:
                started = await self._searches.run_due()
            except Exception:
                # A database hiccup must not end scheduling for good: try again next time.
                logger.exception("could not start due saved searches")
            else:
                if started:
                    logger.info("scheduler started %d saved searches", started)
            await asyncio.sleep(self._interval)
