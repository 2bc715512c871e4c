"""Event fan-out across processes through Redis pub/sub.

Every process subscribes once to the pattern of all users' channels and hands each event to
its own local subscribers of that user (a `MemoryEventBus`), so a stream held by one API
process receives what a run in another process or a worker publishes. One pattern
subscription per process (not one per user) means a new stream is live at once, with no
subscribe round trip to race against the first events. Events are best effort: while Redis
is away, publishing logs a warning and drops the event (the run's record keeps its counts),
and the listener reconnects by itself.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from typing import Any

from redis.asyncio import Redis
from redis.exceptions import RedisError

from dreamjobsearch.events.base import Event, Subscription
from dreamjobsearch.events.memory import MemoryEventBus

logger = logging.getLogger(__name__)

RECONNECT_DELAY = 1.0
START_TIMEOUT = 10.0


class RedisEventBus:
    """`EventBus` over Redis pub/sub; channels are `<prefix>events:<user id>`."""

    def __init__(self, redis: Redis, prefix: str, queue_size: int) -> None:
        self._redis = redis
        self._channel_prefix = f"{prefix}events:"
        self._local = MemoryEventBus(queue_size)
        self._listener: asyncio.Task[None] | None = None
        self._ready = asyncio.Event()

    async def start(self) -> None:
        """Start listening; returns once the pattern subscription is in place."""
        if self._listener is None:
            try:
                # A refused connection is known at once: no need to wait out the timeout.
                await asyncio.wait_for(self._redis.ping(), timeout=START_TIMEOUT)
            except (RedisError, OSError, TimeoutError) as error:
                raise RuntimeError(
                    f"Redis could not be reached ({error}): check DREAMJOB_REDIS_URL"
                ) from error
            self._listener = asyncio.create_task(self._listen(), name="redis-event-listener")
            try:
                await asyncio.wait_for(self._ready.wait(), timeout=START_TIMEOUT)
            except TimeoutError as error:
                await self.aclose()
                raise RuntimeError(
                    f"Redis did not answer within {START_TIMEOUT:g} s: check DREAMJOB_REDIS_URL"
                ) from error

    async def aclose(self) -> None:
        """Stop listening."""
        if self._listener is not None:
            self._listener.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._listener
            self._listener = None

    async def publish(self, user_id: int, event: Event) -> None:
        """Send the event to every process; never raises when Redis is away."""
        try:
            await self._redis.publish(
                f"{self._channel_prefix}{user_id}", json.dumps(event.to_dict())
            )
        except RedisError as error:
            logger.warning("event for user %s dropped: Redis unavailable (%s)", user_id, error)

    def subscribe(self, user_id: int) -> Subscription:
        """Open a bounded subscription to the user's events (from any process)."""
        return self._local.subscribe(user_id)

    def unsubscribe(self, subscription: Subscription) -> None:
        """Close a subscription."""
        self._local.unsubscribe(subscription)

    def subscriber_count(self, user_id: int) -> int:
        """How many subscriptions the user has open in this process."""
        return self._local.subscriber_count(user_id)

    async def _listen(self) -> None:
        while True:
            pubsub = self._redis.pubsub()
            try:
                await pubsub.psubscribe(f"{self._channel_prefix}*")
                self._ready.set()
                while True:
                    message = await pubsub.get_message(ignore_subscribe_messages=True, timeout=1.0)
                    if message is not None:
                        await self._deliver(message)
            except RedisError as error:
                logger.warning("event listener lost Redis (%s); reconnecting", error)
                await asyncio.sleep(RECONNECT_DELAY)
            finally:
                with contextlib.suppress(RedisError):
                    await pubsub.aclose()  # type: ignore[no-untyped-call]

    async def _deliver(self, message: dict[str, Any]) -> None:
        channel = message["channel"]
        channel = channel.decode() if isinstance(channel, bytes) else str(channel)
        try:
            user_id = int(channel.removeprefix(self._channel_prefix))
            event = Event(**json.loads(message["data"]))
        except (ValueError, TypeError) as error:
            logger.warning("ignored a malformed event on %s: %s", channel, error)
            return
        await self._local.publish(user_id, event)
