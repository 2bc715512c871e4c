"""`FairQueue`: SAQ's Redis queue, dequeuing round-robin between users instead of first in,
first out.

SAQ hands a free worker slot the oldest queued job, so one user's queued runs keep everyone
else's waiting. Here the queue's own dequeue chooses instead, in one Redis script: the queued
job of the user with the fewest jobs active on any worker; among equals, of the user served
longest ago. A user's own jobs still go in the order they were queued. Each job's owner is
noted at enqueue and forgotten when it finishes; when each user was last served is kept (one
small number per user who ever ran on the queue).
"""

from __future__ import annotations

import asyncio
import math
from typing import TYPE_CHECKING, Any

from saq.job import Job, Status
from saq.queue.redis import RedisQueue

if TYPE_CHECKING:
    from redis.commands.core import AsyncScript

# Queued jobs looked at per choice (the oldest ones); far more than users ever wait at once.
SCAN_LIMIT = 1000

# KEYS: queued, active, owners (job -> user), served (user -> tick), ticks. ARGV: scan limit.
# Moves the chosen job from queued to active, as SAQ's own dequeue does; nil when none waits.
CHOOSE = """
local queued = redis.call('LRANGE', KEYS[1], 0, tonumber(ARGV[1]) - 1)
if #queued == 0 then return false end
local active = {}
for _, id in ipairs(redis.call('LRANGE', KEYS[2], 0, -1)) do
    local owner = redis.call('HGET', KEYS[3], id)
    if owner then active[owner] = (active[owner] or 0) + 1 end
end
local best, best_owner, best_load, best_served
for _, id in ipairs(queued) do
    local owner = redis.call('HGET', KEYS[3], id) or id
    local load = active[owner] or 0
    local served = tonumber(redis.call('HGET', KEYS[4], owner) or '-1')
    if best == nil or load < best_load or (load == best_load and served < best_served) then
        best, best_owner, best_load, best_served = id, owner, load, served
    end
end
redis.call('LREM', KEYS[1], 1, best)
redis.call('RPUSH', KEYS[2], best)
redis.call('HSET', KEYS[4], best_owner, redis.call('INCR', KEYS[5]))
return best
"""


class FairQueue(RedisQueue):
    """A SAQ `RedisQueue` whose dequeue takes turns between the users of the jobs (the
    `user_id` of each job's arguments)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._owners = self.namespace("owners")
        self._served = self.namespace("served")
        self._ticks = self.namespace("ticks")
        self._choose: AsyncScript | None = None

    # SAQ's signature: its worker passes the timeout.
    async def dequeue(
        self,
        timeout: float = 0.0,  # noqa: ASYNC109
        poll_interval: float = 0.0,
    ) -> Job | None:
        """The next job, chosen fairly; waits up to `timeout` seconds (0: for ever) for one."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout if timeout > 0 else None
        if self._choose is None:
            self._choose = self.redis.register_script(CHOOSE)
        keys = [self._queued, self._active, self._owners, self._served, self._ticks]
        while True:
            job_id = await self._choose(keys=keys, args=[SCAN_LIMIT], client=self.redis)
            if job_id is not None:
                return await self._get_job_by_id(job_id)
            wait = 0.0 if deadline is None else deadline - loop.time()
            if deadline is not None and wait <= 0:
                return None
            # Block until something is queued, leaving the queue as it is (the tail moved to
            # the tail); then choose again.
            seconds = math.ceil(wait)  # whole seconds; 0 blocks for ever
            if (
                await self.redis.blmove(self._queued, self._queued, seconds, "RIGHT", "RIGHT")
                is None
            ):
                return None

    async def _enqueue(self, job: Job) -> Job | None:
        owner = (job.kwargs or {}).get("user_id")
        if owner is not None:
            await self.redis.hset(self._owners, job.id, str(owner))
        return await super()._enqueue(job)

    async def _finish(
        self,
        job: Job,
        status: Status,
        *,
        result: Any = None,
        error: str | None = None,
    ) -> None:
        await super()._finish(job, status, result=result, error=error)
        await self.redis.hdel(self._owners, job.id)
