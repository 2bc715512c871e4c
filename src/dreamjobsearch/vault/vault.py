"""`SecretVault`: users' third-party credentials (e.g. OAuth tokens for a later Google Sheets
export), sealed before they reach the database and opened only inside the process.

The API stores, lists (names and dates) and deletes them; nothing ever returns or logs a
value. `reveal` is for the code that will use a credential on the user's behalf.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from dreamjobsearch.errors import InvalidInputError, NotFoundError
from dreamjobsearch.storage.secrets import SealedSecret, SecretRepository
from dreamjobsearch.vault.cipher import associated_data, open_sealed, seal
from dreamjobsearch.vault.keys import KeyRing

NAME = re.compile(r"[a-z0-9][a-z0-9_.-]{0,63}")
MAX_VALUE_BYTES = 16 * 1024
REENCRYPT_BATCH = 500


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


class SecretVault:
    """Seals, stores and opens users' secrets with the key ring."""

    def __init__(self, repository: SecretRepository, ring: KeyRing) -> None:
        self._repository = repository
        self._ring = ring

    async def store(self, user_id: int, name: str, value: str) -> None:
        """Seal and store (or replace) the user's secret of this name."""
        plaintext = value.encode()
        if not plaintext:
            raise InvalidInputError("a secret cannot be empty")
        if len(plaintext) > MAX_VALUE_BYTES:
            raise InvalidInputError(f"a secret is at most {MAX_VALUE_BYTES} bytes")
        name = check_name(name)
        key_id, sealed = seal(self._ring, plaintext, associated_data(user_id, name))
        await self._repository.put(user_id, name, key_id, sealed)

    async def reveal(self, user_id: int, name: str) -> str:
        """The user's secret in clear, for code acting on their behalf (never for a reply)."""
        secret = await self._repository.get(user_id, check_name(name))
        if secret is None:
            raise NotFoundError("no such secret of yours")
        return self._open(secret).decode()

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

    async def pending_reencryption(self) -> int:
        """How many secrets are sealed with a key other than the current one."""
        return await self._repository.count_with_other_keys(self._ring.current_id)

    async def reencrypt_all(self, progress: Callable[[int], None] = lambda _done: None) -> int:
        """Re-seal with the current key every secret sealed with an older one; returns how
        many. Stops when a batch changes nothing (rows being rewritten meanwhile)."""
        done = 0
        while batch := await self._repository.sealed_with_other_keys(
            self._ring.current_id, REENCRYPT_BATCH
        ):
            resealed = [self._reseal(secret) for secret in batch]
            replaced = await self._repository.replace_sealed(resealed)
            if replaced == 0:
                break
            done += replaced
            progress(replaced)
        return done

    def _open(self, secret: SealedSecret) -> bytes:
        aad = associated_data(secret.user_id, secret.name)
        return open_sealed(self._ring, secret.key_id, secret.sealed, aad)

    def _reseal(self, secret: SealedSecret) -> SealedSecret:
        aad = associated_data(secret.user_id, secret.name)
        key_id, sealed = seal(self._ring, self._open(secret), aad)
        return SealedSecret(secret.user_id, secret.name, key_id, sealed, secret.updated_at)
