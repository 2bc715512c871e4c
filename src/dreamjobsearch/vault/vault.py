"""`SecretVault`: users' third-party credentials (e.g. OAuth tokens for a later Google Sheets
export), sealed before they reach the database and opened only inside the process.

The API stores, lists (names and dates) and deletes them; nothing ever returns or logs a
value. `reveal` is for the code that will use a credential on the user's behalf.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from dreamjobsearch.errors import InvalidInputError, NotFoundError
from dreamjobsearch.storage.sealed_table import SealedSecret
from dreamjobsearch.storage.secrets import SecretRepository
from dreamjobsearch.vault.cipher import associated_data, open_sealed, seal
from dreamjobsearch.vault.keys import KeyRing

NAME = re.compile(r"[a-z0-9][a-z0-9_.-]{0,63}")
MAX_VALUE_BYTES = 16 * 1024


@dataclass(frozen=True, slots=True)
class SecretInfo:
    """What may be shown of a secret: its name and when it was last set."""

    name: str
    updated_at: datetime


def check_name(name: str) -> str:
    """The name, if it is a valid secret name; `InvalidInputError` otherwise."""
    if not NAME.fullmatch(name):
        raise InvalidInputError(
            "a secret name is 1-64 characters: lower-case letters, digits, '.', '_' or '-', "
            "starting with a letter or digit"
        )
    return name


def sealed_value(ring: KeyRing, user_id: int | None, name: str, value: str) -> tuple[str, bytes]:
    """A value checked and sealed for its owner (None: the server) under the current key:
    `(key id, sealed bytes)`; `InvalidInputError` for an empty or too long value or a bad
    name."""
    plaintext = value.encode()
    if not plaintext:
        raise InvalidInputError("a secret cannot be empty")
    if len(plaintext) > MAX_VALUE_BYTES:
        raise InvalidInputError(f"a secret is at most {MAX_VALUE_BYTES} bytes")
    return seal(ring, plaintext, associated_data(user_id, check_name(name)))


def open_secret(ring: KeyRing, secret: SealedSecret) -> bytes:
    """A stored secret in clear, if it opens as its owner's (`UndecryptableError` if not)."""
    aad = associated_data(secret.user_id, secret.name)
    return open_sealed(ring, secret.key_id, secret.sealed, aad)


class SecretVault:
    """Seals, stores and opens users' secrets with the key ring."""

    def __init__(self, repository: SecretRepository, ring: KeyRing) -> None:
        self._repository = repository
        self._ring = ring

    async def store(self, user_id: int, name: str, value: str) -> None:
        """Seal and store (or replace) the user's secret of this name."""
        key_id, sealed = sealed_value(self._ring, user_id, name, value)
        await self._repository.put(user_id, name, key_id, sealed)

    async def reveal(self, user_id: int, name: str) -> str:
        """The user's secret in clear, for code acting on their behalf (never for a reply)."""
        secret = await self._repository.get(user_id, check_name(name))
        if secret is None:
            raise NotFoundError("no such secret of yours")
        return open_secret(self._ring, secret).decode()

    async def names(self, user_id: int) -> list[SecretInfo]:
        """The user's secrets: names and dates only."""
        return [
            SecretInfo(secret.name, secret.updated_at)
            for secret in await self._repository.list_for_user(user_id)
        ]

    async def delete(self, user_id: int, name: str) -> None:
        """Forget the user's secret; `NotFoundError` when there is none."""
        if not await self._repository.delete(user_id, check_name(name)):
            raise NotFoundError("no such secret of yours")
