"""Runs as asyncio tasks in this process, a bounded number at a time, shared fairly between
users (`FairSlots`)."""

from __future__ import annotations

import asyncio
import logging

from dreamjobsearch.params.update import UpdateParams
from dreamjobsearch.pipeline import RunHandle, UpdatePipeline
from dreamjobsearch.runs.fair import FairSlots

logger = logging.getLogger(__name__)

CANCEL_WAIT_SECONDS = 5


class LocalRunner:
    """Executes runs in this process; queued runs wait for one of `concurrency` slots, which
    go round-robin between the users waiting."""

    def __init__(self, pipeline: UpdatePipeline, concurrency: int) -> None:
        self._pipeline = pipeline
        self._slots = FairSlots(concurrency)
        self._tasks: dict[str, tuple[RunHandle, asyncio.Task[None]]] = {}

    async def submit(self, run_id: str, user_id: int, params: UpdateParams) -> None:
        """Start the run in the background."""
        handle = RunHandle(run_id, user_id, params)
        task = asyncio.create_task(self._run(handle), name=f"run-{run_id}")
        self._tasks[run_id] = (handle, task)
        task.add_done_callback(lambda _task: self._tasks.pop(run_id, None))

    async def cancel(self, run_id: str) -> bool:
        """Cancel the run's task and wait (briefly) until it has recorded `cancelled`."""
        entry = self._tasks.get(run_id)
        if entry is None:
            return False
        task = entry[1]
        task.cancel()
        await asyncio.wait({task}, timeout=CANCEL_WAIT_SECONDS)
        return True

    async def close(self) -> None:
        """Cancel every run as `interrupted` and wait for them to record it."""
        entries = list(self._tasks.values())
        for handle, task in entries:
            handle.stop_status = "interrupted"
            task.cancel()
        await asyncio.gather(*(task for _, task in entries), return_exceptions=True)

    async def _run(self, handle: RunHandle) -> None:
        started = False
        try:
            async with self._slots.slot(handle.user_id):
                started = True
                await self._pipeline.execute(handle)
        except asyncio.CancelledError:
            if not started:
                await self._pipeline.stop(handle)
        except Exception:
            logger.exception("run %s crashed", handle.run_id)
