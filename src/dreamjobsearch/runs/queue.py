"""Runs on a Redis-backed job queue (SAQ): API processes enqueue, `dreamjob worker`s execute.

SAQ, not arq: it is actively maintained, aborts a running job on request (our cancel), and
works with the redis-py the project already uses. A job is keyed by its run id, so a run is
enqueued once; it has no time limit (a LinkedIn run is paced over minutes) and is not
retried by the queue: re-running is the user's call, and it only fetches what is missing.

A worker that is killed (kill -9, a lost machine) records nothing. So each worker reports its
running jobs alive every `heartbeat` seconds, and every worker looks, at start-up and then
at that pace, for runs that no live worker holds (their job is gone, finished, or silent for
`LOST_AFTER` heartbeats) and records them `interrupted`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import timedelta
from typing import Any, cast

from saq import Queue, Worker
from saq.job import Job, Status
from saq.types import Context, PartialTimersDict

from dreamjobsearch.params.update import UpdateParams
from dreamjobsearch.pipeline import RunHandle, UpdatePipeline
from dreamjobsearch.storage.models import utcnow
from dreamjobsearch.storage.runs import RunRepository

logger = logging.getLogger(__name__)

JOB_FUNCTION = "run_update"
CANCEL_WAIT_SECONDS = 5
FINAL_JOB_STATES = frozenset({Status.COMPLETE, Status.FAILED, Status.ABORTED})
# How often a worker looks for jobs to abort: a cancel lands within about a second.
# (A cast: SAQ's PartialTimersDict inherits its keys as required.)
ABORT_POLL = cast(PartialTimersDict, {"abort": 1})
# A job whose worker has not reported for this many heartbeats is taken as lost.
LOST_AFTER = 3
LOST_MESSAGE = "its worker stopped without finishing it (killed or lost): run it again"


def queue_name(prefix: str) -> str:
    """The queue's name under the deployment's Redis prefix."""
    return f"{prefix}runs"


class QueueRunner:
    """Hands runs to the job queue; cancel aborts the job wherever it runs."""

    def __init__(self, queue: Queue, heartbeat: float) -> None:
        self._queue = queue
        self._heartbeat = heartbeat

    async def submit(self, run_id: str, user_id: int, params: UpdateParams) -> None:
        """Enqueue the run for a worker."""
        await self._queue.enqueue(
            JOB_FUNCTION,
            key=run_id,
            timeout=0,
            heartbeat=int(self._heartbeat * LOST_AFTER),
            retries=1,
            run_id=run_id,
            user_id=user_id,
            params=params.model_dump(mode="json"),
        )

    async def cancel(self, run_id: str) -> bool:
        """Abort the run's job and wait (briefly) for the worker to record it.

        False when no worker holds the run (its job is gone, finished, or was still waiting
        in the queue, where the abort simply removed it): the caller records the end.
        """
        job = await self._queue.job(run_id)
        if job is None or job.status in FINAL_JOB_STATES:
            return False
        waiting = job.status is Status.QUEUED
        await self._queue.abort(job, "cancelled by its user")
        if waiting:
            return False
        loop = asyncio.get_running_loop()
        deadline = loop.time() + CANCEL_WAIT_SECONDS
        while loop.time() < deadline:
            await asyncio.sleep(0.1)
            await job.refresh()
            if job.status in FINAL_JOB_STATES:
                break
            if job.status is Status.ACTIVE:
                # A heartbeat rewrote the job over the abort: ask again.
                await self._queue.abort(job, "cancelled by its user")
        return True

    async def close(self) -> None:
        """Disconnect from the queue (runs keep going on the workers)."""
        await self._queue.disconnect()


class RunsWorker:
    """A SAQ worker executing update runs; when it stops, its runs record `interrupted`
    (a user's cancel, an abort of one job, still records `cancelled`)."""

    def __init__(
        self,
        queue: Queue,
        pipeline: UpdatePipeline,
        runs: RunRepository,
        concurrency: int,
        heartbeat: float,
        shutdown_grace: int,
    ) -> None:
        self._queue = queue
        self._pipeline = pipeline
        self._runs = runs
        self._heartbeat = heartbeat
        self._handles: dict[str, RunHandle] = {}
        self._watcher: asyncio.Task[None] | None = None
        self._worker: Worker[Context] = Worker(
            queue,
            functions=[(JOB_FUNCTION, self._run_update)],
            concurrency=concurrency,
            timers=ABORT_POLL,
            shutdown_grace_period_s=shutdown_grace,
        )
        # Signals are the caller's (`dreamjob worker`): it calls `stop`, which first marks
        # the runs interrupted. SAQ's own handlers would cancel them as if by their users.
        self._worker.SIGNALS = []

    async def start(self) -> None:
        """Take jobs until `stop`, and watch for runs whose worker was lost."""
        self._watcher = asyncio.create_task(self._watch_for_lost_runs(), name="lost-runs")
        await self._worker.start()

    async def stop(self) -> None:
        """Stop taking jobs; runs still going are cut off as `interrupted`."""
        if self._watcher is not None:
            self._watcher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._watcher
        for handle in self._handles.values():
            handle.stop_status = "interrupted"
        await self._worker.stop()

    async def interrupt_lost_runs(self) -> int:
        """Record `interrupted` every run that no live worker holds; returns how many.

        Runs younger than the silence allowed are left alone: their job may not be in the
        queue yet. A lost job still marked active is ended in the queue too.
        """
        silence = self._heartbeat * LOST_AFTER
        interrupted = 0
        for run in await self._runs.unfinished(utcnow() - timedelta(seconds=silence)):
            job = await self._queue.job(run.id)
            if job is not None and job.status not in FINAL_JOB_STATES and not job.stuck:
                continue
            if job is not None and job.status not in FINAL_JOB_STATES:
                await self._queue.finish(job, Status.ABORTED, error=LOST_MESSAGE)
            if await self._runs.interrupt(run.id, LOST_MESSAGE):
                logger.warning("run %s was lost with its worker: interrupted", run.id)
                interrupted += 1
        return interrupted

    async def _run_update(
        self, ctx: Context, *, run_id: str, user_id: int, params: dict[str, Any]
    ) -> None:
        handle = RunHandle(run_id, user_id, UpdateParams.model_validate(params))
        self._handles[run_id] = handle
        beating = asyncio.create_task(self._beat(ctx["job"]))
        logger.info("worker runs %s", run_id)
        try:
            await self._pipeline.execute(handle)
        finally:
            beating.cancel()
            self._handles.pop(run_id, None)

    async def _beat(self, job: Job) -> None:
        """Report the job alive (SAQ's heartbeat: `touched`) while it runs."""
        while True:
            await asyncio.sleep(self._heartbeat)
            try:
                await job.update()
            except Exception:
                logger.warning("could not report run %s alive", job.key, exc_info=True)

    async def _watch_for_lost_runs(self) -> None:
        while True:
            try:
                await self.interrupt_lost_runs()
            except Exception:
                logger.exception("looking for lost runs failed; trying again later")
            await asyncio.sleep(self._heartbeat)
