"""Stateful sessions: the token names a record the store keeps (`memory`, `database`,
`redis`)."""

from __future__ import annotations

from dreamjobsearch.sessions.stores.base import SessionRecord, SessionStore
from dreamjobsearch.sessions.strategies.base import SessionKey


class StatefulStrategy:
    """`SessionStrategy` over a store of records: uses are recorded, so sessions idle out."""

    def __init__(self, store: SessionStore, idle_timeout: float) -> None:
        self._store = store
        self.idle_timeout = idle_timeout

    async def find(self, key: SessionKey, now: float) -> SessionRecord | None:
        """The stored record, if it belongs to the key's user."""
        record = await self._store.get(key.sid)
        if record is None or record.user_id != key.user_id:
            return None
        return record

    async def record_use(self, record: SessionRecord, now: float) -> None:
        """Record the use in the store (which throttles the writes) and on the record."""
        await self._store.touch(record.sid, now, record)
        # Stores other than `memory` may return a copy read before the touch: report this use.
        record.last_accessed = now

    async def is_alive(self, key: SessionKey, now: float) -> bool:
        """Whether the record is stored, the key's user's and unexpired."""
        record = await self.find(key, now)
        return record is not None and not record.is_expired(now, self.idle_timeout)
