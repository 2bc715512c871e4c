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


def build_worker(queue: Queue, pipeline: UpdatePipeline, concurrency: int) -> Worker[Context]:
    """A SAQ worker that executes update runs with `pipeline`."""

    async def run_update(
        _ctx: Context, *, run_id: str, user_id: int, params: dict[str, Any]
    ) -> None:
        handle = RunHandle(run_id, user_id, UpdateParams.model_validate(params))
        logger.info("worker runs %s", run_id)
        await pipeline.execute(handle)

    return Worker(
        queue,
        functions=[(JOB_FUNCTION, run_update)],
        concurrency=concurrency,
        timers=ABORT_POLL,
        shutdown_grace_period_s=10,
    )
