"""Users' sealed secrets: rows of `user_secrets`, never their plaintext."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, select

from dreamjobsearch.storage.db import Database
from dreamjobsearch.storage.models import UserSecret, utcnow


@dataclass(frozen=True, slots=True)
class SealedSecret:
    """One stored secret: its owner, name, sealing key and sealed bytes."""

    user_id: int
    name: str
    key_id: str
    sealed: bytes
    updated_at: datetime


class SecretRepository:
    """Reads and writes `user_secrets`; every call is scoped to one user, except the
    re-encryption pass, which walks the rows sealed with old keys."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def put(self, user_id: int, name: str, key_id: str, sealed: bytes) -> None:
        """Store or replace the user's secret of this name."""
        async with self._db() as session, session.begin():
            row = await session.get(UserSecret, (user_id, name))
            if row is None:
                session.add(UserSecret(user_id=user_id, name=name, key_id=key_id, sealed=sealed))
            else:
                row.key_id, row.sealed, row.updated_at = key_id, sealed, utcnow()

    async def get(self, user_id: int, name: str) -> SealedSecret | None:
        """The user's secret of this name, sealed."""
        async with self._db() as session:
            row = await session.get(UserSecret, (user_id, name))
            return _sealed(row) if row is not None else None

    async def list_for_user(self, user_id: int) -> list[SealedSecret]:
        """The user's secrets, by name."""
        async with self._db() as session:
            rows = await session.scalars(
                select(UserSecret).where(UserSecret.user_id == user_id).order_by(UserSecret.name)
            )
            return [_sealed(row) for row in rows]

    async def delete(self, user_id: int, name: str) -> bool:
        """Remove the user's secret; False when there was none."""
        async with self._db() as session, session.begin():
            result = await session.execute(
                delete(UserSecret)
                .where(UserSecret.user_id == user_id, UserSecret.name == name)
                .returning(UserSecret.name)
            )
            return result.first() is not None

    async def sealed_with_other_keys(self, key_id: str, limit: int) -> list[SealedSecret]:
        """Up to `limit` secrets sealed with a key other than `key_id`."""
        async with self._db() as session:
            rows = await session.scalars(
                select(UserSecret).where(UserSecret.key_id != key_id).limit(limit)
            )
            return [_sealed(row) for row in rows]

    async def count_with_other_keys(self, key_id: str) -> int:
        """How many secrets are sealed with a key other than `key_id`."""
        async with self._db() as session:
            statement = select(func.count()).select_from(UserSecret)
            return int(await session.scalar(statement.where(UserSecret.key_id != key_id)) or 0)

    async def replace_sealed(self, rows: Sequence[SealedSecret]) -> int:
        """Write re-sealed secrets, each only if it did not change meanwhile."""
        replaced = 0
        async with self._db() as session, session.begin():
            for secret in rows:
                row = await session.get(UserSecret, (secret.user_id, secret.name))
                if row is not None and row.updated_at == secret.updated_at:
                    row.key_id, row.sealed = secret.key_id, secret.sealed
                    replaced += 1
        return replaced


def _sealed(row: UserSecret) -> SealedSecret:
    return SealedSecret(row.user_id, row.name, row.key_id, row.sealed, row.updated_at)
