"""Runs on a Redis-backed job queue (SAQ): API processes enqueue, `dreamjob worker`s execute.

SAQ, not arq: it is actively maintained, aborts a running job on request (our cancel), and
works with the redis-py the project already uses. A job is keyed by its run id, so a run is
enqueued once; it has no time limit (a LinkedIn run is paced over minutes) and is not
retried by the queue: re-running is the user's call, and it only fetches what is missing.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any, cast

from saq import Queue, Worker
from saq.job import Status
from saq.types import Context, PartialTimersDict

from dreamjobsearch.pipeline import RunHandle, UpdateParams, UpdatePipeline

logger = logging.getLogger(__name__)

JOB_FUNCTION = "run_update"
CANCEL_WAIT_SECONDS = 5
FINAL_JOB_STATES = frozenset({Status.COMPLETE, Status.FAILED, Status.ABORTED})
# How often a worker looks for jobs to abort: a cancel lands within about a second.
# (A cast: SAQ's PartialTimersDict inherits its keys as required.)
ABORT_POLL = cast(PartialTimersDict, {"abort": 1})


def queue_name(prefix: str) -> str:
    """The queue's name under the deployment's Redis prefix."""
    return f"{prefix}runs"


class QueueRunner:
    """Hands runs to the job queue; cancel aborts the job wherever it runs."""

    def __init__(self, queue: Queue) -> None:
        self._queue = queue

    async def submit(self, run_id: str, user_id: int, params: UpdateParams) -> None:
        """Enqueue the run for a worker."""
        await self._queue.enqueue(
            JOB_FUNCTION,
            key=run_id,
            timeout=0,
            retries=1,
            run_id=run_id,
            user_id=user_id,
            params=params.model_dump(mode="json"),
        )

    async def cancel(self, run_id: str) -> bool:
        """Abort the run's job and wait (briefly) for the worker to record it."""
        job = await self._queue.job(run_id)
        if job is None or job.status in FINAL_JOB_STATES:
            return False
        await self._queue.abort(job, "cancelled by its user")
        loop = asyncio.get_running_loop()
        deadline = loop.time() + CANCEL_WAIT_SECONDS
        while loop.time() < deadline:
            await asyncio.sleep(0.1)
            await job.refresh()
            if job.status in FINAL_JOB_STATES:
                break
        return True

    async def close(self) -> None:
        """Disconnect from the queue (runs keep going on the workers)."""
        await self._queue.disconnect()


class RunsWorker:
    """A SAQ worker executing update runs; when it stops, its runs record `interrupted`
    (a user's cancel, an abort of one job, still records `cancelled`)."""

    def __init__(self, queue: Queue, pipeline: UpdatePipeline, concurrency: int) -> None:
        self._pipeline = pipeline
        self._handles: dict[str, RunHandle] = {}
        self._worker: Worker[Context] = Worker(
            queue,
            functions=[(JOB_FUNCTION, self._run_update)],
            concurrency=concurrency,
            timers=ABORT_POLL,
            shutdown_grace_period_s=10,
        )
        # Signals are the caller's (`dreamjob worker`): it calls `stop`, which first marks
        # the runs interrupted. SAQ's own handlers would cancel them as if by their users.
        self._worker.SIGNALS = []

    async def start(self) -> None:
        """Take jobs until `stop`."""
        await self._worker.start()

    async def stop(self) -> None:
        """Stop taking jobs; runs still going are cut off as `interrupted`."""
        for handle in self._handles.values():
            handle.stop_status = "interrupted"
        await self._worker.stop()

    async def _run_update(
        self, _ctx: Context, *, run_id: str, user_id: int, params: dict[str, Any]
    ) -> None:
        handle = RunHandle(run_id, user_id, UpdateParams.model_validate(params))
        self._handles[run_id] = handle
        logger.info("worker runs %s", run_id)
        try:
            await self._pipeline.execute(handle)
        finally:
            self._handles.pop(run_id, None)
