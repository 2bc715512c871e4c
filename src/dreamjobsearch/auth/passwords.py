"""Password hashing with argon2id (pwdlib), run in a worker thread to keep the loop free."""

from __future__ import annotations

import asyncio
import secrets

from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher


class PasswordHasher:
    """Hashes and verifies passwords off the event loop."""

    def __init__(self) -> None:
        self._hash = PasswordHash((Argon2Hasher(),))
        # Verifying against this when the account does not exist makes a wrong email cost
        # the same time as a wrong password, so timing does not reveal which emails exist.
        self._decoy = self._hash.hash(secrets.token_urlsafe(16))

    async def hash(self, password: str) -> str:
        """An argon2id hash of the password."""
        return await asyncio.to_thread(self._hash.hash, password)

    async def verify(self, password: str, password_hash: str | None) -> bool:
        """Whether the password matches; with no hash, spends the same time and says no."""
        if password_hash is None:
            await asyncio.to_thread(self._hash.verify, password, self._decoy)
            return False
        return await asyncio.to_thread(self._hash.verify, password, password_hash)
