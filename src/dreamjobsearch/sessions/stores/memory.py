"""Sessions in this process's memory: the fastest store, lost on restart, one process only."""

from __future__ import annotations

import builtins
from collections import OrderedDict
from itertools import islice

from dreamjobsearch.sessions.stores.base import SessionRecord


class MemorySessionStore:
    """Records kept in least-recently-used order, with a per-user index."""

    def __init__(self) -> None:
        self._records: OrderedDict[str, SessionRecord] = OrderedDict()
        self._by_user: dict[int, set[str]] = {}

    async def create(self, record: SessionRecord) -> None:
        """Store a new session as the most recently used."""
        self._records[record.sid] = record
        self._by_user.setdefault(record.user_id, set()).add(record.sid)

    async def get(self, sid: str) -> SessionRecord | None:
        """The stored record (the live object: callers must not change it)."""
        return self._records.get(sid)

    async def touch(self, sid: str, now: float, record: SessionRecord | None = None) -> None:
        """Mark the session used at `now` and move it to the recent end."""
        record = self._records.get(sid)
        if record is not None:
            record.last_accessed = now
            self._records.move_to_end(sid)

    async def delete(self, sid: str) -> bool:
        """Remove one session."""
        record = self._records.pop(sid, None)
        if record is None:
            return False
        sids = self._by_user.get(record.user_id)
        if sids is not None:
            sids.discard(sid)
            if not sids:
                del self._by_user[record.user_id]
        return True

    async def delete_user(self, user_id: int) -> builtins.list[str]:
        """Remove all of a user's sessions."""
        sids = list(self._by_user.pop(user_id, ()))
        for sid in sids:
            self._records.pop(sid, None)
        return sids

    async def list(
        self, user_id: int | None = None, limit: int | None = None
    ) -> builtins.list[SessionRecord]:
        """Sessions, least recently used first."""
        if user_id is None:
            return list(islice(self._records.values(), limit))
        records = sorted(
            (self._records[sid] for sid in self._by_user.get(user_id, ())),
            key=lambda record: record.last_accessed,
        )
        return records[:limit] if limit is not None else records

    async def count(self, user_id: int | None = None) -> int:
        """Number of sessions."""
        if user_id is None:
            return len(self._records)
        return len(self._by_user.get(user_id, ()))

    async def purge_expired(self, now: float, idle_timeout: float) -> builtins.list[str]:
        """Remove expired sessions."""
        expired = [
            sid for sid, record in self._records.items() if record.is_expired(now, idle_timeout)
        ]
        for sid in expired:
            await self.delete(sid)
        return expired
