"""Sessions in Redis: shared by every process, surviving restarts of the API processes.

Each session is one key holding its record as JSON (never pickle), whose TTL is the time
left before it expires (idle or absolute, whichever is sooner), refreshed when it is used.
Three indexes make listing, counting and eviction cheap, and stay correct when keys expire:
- `user:<id>`: a sorted set of the user's sids (score: created_at);
- `recent`: every sid by last use (score: last_accessed), for least-recently-used eviction;
- `deadline`: every sid by the moment it expires, so index entries of keys that Redis has
  expired are found with one range query and removed.
`last_accessed` is written at most once per `touch_interval` seconds per session.
"""

from __future__ import annotations

import builtins
import json
import math
from typing import Any

from redis.asyncio import Redis

from dreamjobsearch.clock import Clock, SystemClock
from dreamjobsearch.sessions.stores.base import SessionRecord
from dreamjobsearch.sessions.stores.touches import TouchThrottle


class RedisSessionStore:
    """`SessionStore` on Redis, keys under `prefix`."""

    def __init__(
        self,
        redis: Redis,
        idle_timeout: float,
        touch_interval: float,
        prefix: str = "dreamjob:",
        clock: Clock | None = None,
    ) -> None:
        self._redis = redis
        # Deadlines are the manager's times, so they are compared with the same clock.
        self._clock = clock or SystemClock()
        self._idle_timeout = idle_timeout
        self._touches = TouchThrottle(touch_interval)
        self._prefix = prefix
        self._recent = f"{prefix}sessions:recent"
        self._deadline = f"{prefix}sessions:deadline"

    def _key(self, sid: str) -> str:
        return f"{self._prefix}session:{sid}"

    def _user_key(self, user_id: int) -> str:
        return f"{self._prefix}sessions:user:{user_id}"

    def _deadline_of(self, record: SessionRecord) -> float:
        return min(record.expires_at, record.last_accessed + self._idle_timeout)

    async def create(self, record: SessionRecord) -> None:
        """Store the record with its TTL and add it to the indexes, in one transaction."""
        await self._write(record, new=True)

    async def get(self, sid: str) -> SessionRecord | None:
        """The record, while its key lives."""
        raw = await self._redis.get(self._key(sid))
        return _decode(raw) if raw is not None else None

    async def touch(self, sid: str, now: float, record: SessionRecord | None = None) -> None:
        """Record a use: new `last_accessed`, TTL and index scores (throttled per session)."""
        if not self._touches.due(sid, now):
            return
        current = record if record is not None else await self.get(sid)
        if current is None:
            return
        current.last_accessed = now
        await self._write(current, new=False)

    async def delete(self, sid: str) -> bool:
        """Remove one session and its index entries."""
        record = await self.get(sid)
        self._touches.forget(sid)
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.delete(self._key(sid))
            pipe.zrem(self._recent, sid)
            pipe.zrem(self._deadline, sid)
            if record is not None:
                pipe.zrem(self._user_key(record.user_id), sid)
            removed, *_ = await pipe.execute()
        return bool(removed)

    async def delete_user(self, user_id: int) -> builtins.list[str]:
        """Remove all of a user's sessions."""
        user_key = self._user_key(user_id)
        sids = _texts(await self._redis.zrange(user_key, 0, -1))
        async with self._redis.pipeline(transaction=True) as pipe:
            for sid in sids:
                pipe.delete(self._key(sid))
            if sids:
                pipe.zrem(self._recent, *sids)
                pipe.zrem(self._deadline, *sids)
            pipe.delete(user_key)
            await pipe.execute()
        for sid in sids:
            self._touches.forget(sid)
        return sids

    async def list(
        self, user_id: int | None = None, limit: int | None = None
    ) -> builtins.list[SessionRecord]:
        """Live sessions, least recently used first."""
        await self._drop_expired_entries()
        if user_id is None:
            stop = -1 if limit is None else limit - 1
            sids = _texts(await self._redis.zrange(self._recent, 0, stop))
        else:
            sids = _texts(await self._redis.zrange(self._user_key(user_id), 0, -1))
        records = await self._load(sids)
        if user_id is not None:
            await self._forget_in_user_index(user_id, sids, records)
        live = sorted(records.values(), key=lambda record: record.last_accessed)
        return live[:limit] if limit is not None else live

    async def count(self, user_id: int | None = None) -> int:
        """How many live sessions (of one user, or in all)."""
        if user_id is not None:
            return len(await self.list(user_id))
        await self._drop_expired_entries()
        return int(await self._redis.zcard(self._recent))

    async def purge_expired(self, now: float, idle_timeout: float) -> builtins.list[str]:
        """Remove sessions past their deadline (Redis has mostly expired their keys already)."""
        expired = _texts(await self._redis.zrangebyscore(self._deadline, "-inf", now))
        if expired:
            records = await self._load(expired)
            async with self._redis.pipeline(transaction=True) as pipe:
                pipe.delete(*(self._key(sid) for sid in expired))
                pipe.zrem(self._recent, *expired)
                pipe.zrem(self._deadline, *expired)
                for record in records.values():
                    pipe.zrem(self._user_key(record.user_id), record.sid)
                await pipe.execute()
        for sid in expired:
            self._touches.forget(sid)
        return expired

    async def _write(self, record: SessionRecord, *, new: bool) -> None:
        deadline = self._deadline_of(record)
        ttl = max(1, math.ceil(deadline - record.last_accessed))
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.set(self._key(record.sid), _encode(record), ex=ttl, xx=not new)
            pipe.zadd(self._recent, {record.sid: record.last_accessed})
            pipe.zadd(self._deadline, {record.sid: deadline})
            if new:
                pipe.zadd(self._user_key(record.user_id), {record.sid: record.created_at})
            written, *_ = await pipe.execute()
        if not written:
            # The session was deleted meanwhile (a touch racing a logout): take back the
            # index entries this write just added.
            async with self._redis.pipeline(transaction=True) as pipe:
                pipe.zrem(self._recent, record.sid)
                pipe.zrem(self._deadline, record.sid)
                await pipe.execute()
            return
        self._touches.written(record.sid, record.last_accessed)

    async def _load(self, sids: builtins.list[str]) -> dict[str, SessionRecord]:
        if not sids:
            return {}
        raws = await self._redis.mget([self._key(sid) for sid in sids])
        return {sid: _decode(raw) for sid, raw in zip(sids, raws, strict=True) if raw is not None}

    async def _drop_expired_entries(self) -> None:
        """Leave sessions whose deadline passed (Redis expired their keys) out of `recent`."""
        now = self._clock.now()
        stale = _texts(await self._redis.zrangebyscore(self._deadline, "-inf", now))
        if stale:
            # Left in `deadline` on purpose: the sweeper's `purge_expired` reads it, to
            # report these sessions ended and clean the per-user index.
            await self._redis.zrem(self._recent, *stale)

    async def _forget_in_user_index(
        self, user_id: int, sids: builtins.list[str], records: dict[str, SessionRecord]
    ) -> None:
        gone = [sid for sid in sids if sid not in records]
        if gone:
            await self._redis.zrem(self._user_key(user_id), *gone)


def _encode(record: SessionRecord) -> str:
    return json.dumps(
        {
            "sid": record.sid,
            "user_id": record.user_id,
            "email": record.email,
            "created_at": record.created_at,
            "last_accessed": record.last_accessed,
            "expires_at": record.expires_at,
            "device": record.device,
        },
        separators=(",", ":"),
    )


def _decode(raw: bytes | str) -> SessionRecord:
    values: dict[str, Any] = json.loads(raw)
    return SessionRecord(
        sid=values["sid"],
        user_id=int(values["user_id"]),
        email=values["email"],
        created_at=float(values["created_at"]),
        last_accessed=float(values["last_accessed"]),
        expires_at=float(values["expires_at"]),
        device=str(values.get("device") or ""),
    )


def _texts(values: Any) -> builtins.list[str]:
    """Members from a Redis reply (bytes or str, as the client is configured)."""
    return [value.decode() if isinstance(value, bytes) else str(value) for value in values]
