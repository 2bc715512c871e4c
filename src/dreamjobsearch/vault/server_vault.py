"""`ServerVault`: credentials of the server itself (the SMTP password), sealed with the same
key ring as users' secrets but bound to the server, so that a value cannot be moved between
a user and the server. The operator sets them with `dreamjob secrets set NAME`."""

from __future__ import annotations

from dreamjobsearch.errors import NotFoundError
from dreamjobsearch.storage.server_secrets import ServerSecretRepository
from dreamjobsearch.vault.keys import KeyRing
from dreamjobsearch.vault.vault import SecretInfo, check_name, open_secret, sealed_value


class ServerVault:
    """Seals, stores and opens the server's secrets with the key ring."""

    def __init__(self, repository: ServerSecretRepository, ring: KeyRing) -> None:
        self._repository = repository
        self._ring = ring

    async def store(self, name: str, value: str) -> None:
        """Seal and store (or replace) the server's secret of this name."""
        key_id, sealed = sealed_value(self._ring, None, name, value)
        await self._repository.put(name, key_id, sealed)

    async def find(self, name: str) -> str | None:
        """The server's secret in clear, or None when it is not set (`UndecryptableError`
        when it is set but cannot be opened)."""
        secret = await self._repository.get(check_name(name))
        return open_secret(self._ring, secret).decode() if secret is not None else None

    async def names(self) -> list[SecretInfo]:
        """The server's secrets: names and dates only."""
        return [
            SecretInfo(secret.name, secret.updated_at)
            for secret in await self._repository.list_all()
        ]

    async def delete(self, name: str) -> None:
        """Forget the server's secret; `NotFoundError` when there is none."""
        if not await self._repository.delete(check_name(name)):
            raise NotFoundError(f"no server secret named {name!r}")
