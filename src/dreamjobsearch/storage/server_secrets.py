"""The server's sealed secrets: rows of `server_secrets`, never their plaintext."""

from __future__ import annotations

from typing import ClassVar

from sqlalchemy import delete, select

from dreamjobsearch.storage.models import ServerSecret, utcnow
from dreamjobsearch.storage.sealed_table import SealedSecret, SealedTable


class ServerSecretRepository(SealedTable):
    """Reads and writes `server_secrets`, the credentials of the server itself."""

    model: ClassVar[type[ServerSecret]] = ServerSecret

    async def put(self, name: str, key_id: str, sealed: bytes) -> None:
        """Store or replace the server's secret of this name."""
        async with self._db() as session, session.begin():
            row = await session.get(ServerSecret, name)
            if row is None:
                session.add(ServerSecret(name=name, key_id=key_id, sealed=sealed))
            else:
                row.key_id, row.sealed, row.updated_at = key_id, sealed, utcnow()

    async def get(self, name: str) -> SealedSecret | None:
        """The server's secret of this name, sealed."""
        async with self._db() as session:
            row = await session.get(ServerSecret, name)
            return self._secret(row) if row is not None else None

    async def list_all(self) -> list[SealedSecret]:
        """The server's secrets, by name."""
        async with self._db() as session:
            rows = await session.scalars(select(ServerSecret).order_by(ServerSecret.name))
            return [self._secret(row) for row in rows]

    async def delete(self, name: str) -> bool:
        """Remove the server's secret; False when there was none."""
        async with self._db() as session, session.begin():
            result = await session.execute(
                delete(ServerSecret).where(ServerSecret.name == name).returning(ServerSecret.name)
            )
            return result.first() is not None

    def _secret(self, row: ServerSecret) -> SealedSecret:
        return SealedSecret(None, row.name, row.key_id, row.sealed, row.updated_at)

    def _primary_key(self, secret: SealedSecret) -> str:
        return secret.name
