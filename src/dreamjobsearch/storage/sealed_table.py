"""`SealedTable`: one table of sealed secrets, as key rotation sees it: the rows sealed with
a key other than the current one, found, counted and replaced in batches."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar

from sqlalchemy import func, select

from dreamjobsearch.storage.db import Database
from dreamjobsearch.storage.models import ServerSecret, UserSecret


@dataclass(frozen=True, slots=True)
class SealedSecret:
    """One stored secret: its owner (a user's id, or None for the server's own), name,
    sealing key and sealed bytes."""

    user_id: int | None
    name: str
    key_id: str
    sealed: bytes
    updated_at: datetime


class SealedTable(ABC):
    """The re-encryption pass over one table; subclasses add their owner's own reads and
    writes and say how a row and its primary key look."""

    model: ClassVar[type[UserSecret] | type[ServerSecret]]

    def __init__(self, db: Database) -> None:
        self._db = db

    @abstractmethod
    def _secret(self, row: Any) -> SealedSecret:
        """The row as a `SealedSecret`."""

    @abstractmethod
    def _primary_key(self, secret: SealedSecret) -> Any:
        """The primary key of the secret's row."""

    async def sealed_with_other_keys(self, key_id: str, limit: int) -> list[SealedSecret]:
        """Up to `limit` secrets sealed with a key other than `key_id`."""
        async with self._db() as session:
            rows = await session.scalars(
                select(self.model).where(self.model.key_id != key_id).limit(limit)
            )
            return [self._secret(row) for row in rows]

    async def count_with_other_keys(self, key_id: str) -> int:
        """How many secrets are sealed with a key other than `key_id`."""
        async with self._db() as session:
            statement = select(func.count()).select_from(self.model)
            return int(await session.scalar(statement.where(self.model.key_id != key_id)) or 0)

    async def replace_sealed(self, rows: Sequence[SealedSecret]) -> int:
        """Write re-sealed secrets, each only if it did not change meanwhile."""
        replaced = 0
        async with self._db() as session, session.begin():
            for secret in rows:
                row: UserSecret | ServerSecret | None = await session.get(
                    self.model, self._primary_key(secret)
                )
                if row is not None and row.updated_at == secret.updated_at:
                    row.key_id, row.sealed = secret.key_id, secret.sealed
                    replaced += 1
        return replaced
