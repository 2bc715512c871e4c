"""The channel over Redis pub/sub, for the sessions and denylists kept in Redis.

The listener has a connection of its own that never reconnects by itself: redis-py would
otherwise reconnect and subscribe again silently, and whatever was published in between
would be lost unseen. Here a lost connection makes the channel unhealthy (caches bypassed),
and the loop of `ListeningChannel` reconnects, after which caches are cleared. A ping every
few quiet seconds finds a connection that died without a word.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Sequence

from redis.asyncio import Redis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisError

from dreamjobsearch.sessions.invalidation.base import FIRST_RECONNECT_DELAY, ListeningChannel

CONNECT_TIMEOUT = 5.0
# Quiet seconds before a ping; a connection silent for `SILENCE_LIMIT` pings is dead.
PING_AFTER = 5.0
SILENCE_LIMIT = 3
# Sids per message (a sid is 64 characters).
BATCH = 500


def listener_name(prefix: str) -> str:
    """The client name of the listening connection (`CLIENT LIST` shows it)."""
    return f"{prefix}session-invalidation"


class RedisInvalidationChannel(ListeningChannel):
    """`InvalidationChannel` on the Redis channel `<prefix>sessions:ended`."""

    name = "session invalidation channel (Redis)"

    def __init__(
        self,
        redis: Redis,
        url: str,
        prefix: str,
        reconnect_delay: float = FIRST_RECONNECT_DELAY,
    ) -> None:
        super().__init__(reconnect_delay)
        self._redis = redis
        self._url = url
        self._prefix = prefix
        self._channel = f"{prefix}sessions:ended"

    async def publish(self, sids: Sequence[str]) -> None:
        """Publish the ended sessions (in batches), through the shared client."""
        for start in range(0, len(sids), BATCH):
            await self._redis.publish(self._channel, " ".join(sids[start : start + BATCH]))

    async def _listen(self) -> None:
        client = Redis.from_url(
            self._url,
            retry=Retry(NoBackoff(), 0),
            socket_connect_timeout=CONNECT_TIMEOUT,
            client_name=listener_name(self._prefix),
        )
        pubsub = client.pubsub()
        try:
            await pubsub.subscribe(self._channel)
            heard = time.monotonic()
            pinged = heard
            while True:
                message = await pubsub.get_message(timeout=1.0)
                now = time.monotonic()
                if message is not None:
                    heard = now
                    self._handle(message)
                elif now - heard > PING_AFTER * SILENCE_LIMIT:
                    raise RedisConnectionError("no answer to pings")
                elif now - max(heard, pinged) > PING_AFTER:
                    await pubsub.ping()
                    pinged = now
        finally:
            with contextlib.suppress(RedisError):
                await pubsub.aclose()  # type: ignore[no-untyped-call]
            with contextlib.suppress(RedisError):
                await client.aclose()

    def _handle(self, message: dict[str, object]) -> None:
        kind = message["type"]
        if kind == "subscribe":
            self._subscribed()
        elif kind == "message":
            data = message["data"]
            text = data.decode() if isinstance(data, bytes) else str(data)
            self._deliver(text.split())
