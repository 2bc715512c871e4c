"""Users' sealed secrets: rows of `user_secrets`, never their plaintext."""

from __future__ import annotations

from typing import ClassVar

from sqlalchemy import delete, select

from dreamjobsearch.storage.models import UserSecret, utcnow
from dreamjobsearch.storage.sealed_table import SealedSecret, SealedTable


class SecretRepository(SealedTable):
    """Reads and writes `user_secrets`; every call is scoped to one user, except the
    re-encryption pass, which walks the rows sealed with old keys."""

    model: ClassVar[type[UserSecret]] = UserSecret

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
            return self._secret(row) if row is not None else None

    async def list_for_user(self, user_id: int) -> list[SealedSecret]:
        """The user's secrets, by name."""
        async with self._db() as session:
            rows = await session.scalars(
                select(UserSecret).where(UserSecret.user_id == user_id).order_by(UserSecret.name)
            )
            return [self._secret(row) for row in rows]

    async def delete(self, user_id: int, name: str) -> bool:
        """Remove the user's secret; False when there was none."""
        async with self._db() as session, session.begin():
            result = await session.execute(
                delete(UserSecret)
                .where(UserSecret.user_id == user_id, UserSecret.name == name)
                .returning(UserSecret.name)
            )
            return result.first() is not None

    def _secret(self, row: UserSecret) -> SealedSecret:
        return SealedSecret(row.user_id, row.name, row.key_id, row.sealed, row.updated_at)

    def _primary_key(self, secret: SealedSecret) -> tuple[int | None, str]:
        return (secret.user_id, secret.name)
