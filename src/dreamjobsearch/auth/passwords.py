"""Password hashing with Argon2id (pwdlib) on a thread pool of its own.

A hash costs tens of milliseconds of a core by design, the most any request asks for. On
the default thread pool a burst of logins queued in front of the short jobs that share it
(rankings, file parsing), so everyone waited behind Argon2. Here hashing has its own few
threads: logins wait for each other, nothing else waits for them, and the other cores stay
free for the rest of the service.
"""

from __future__ import annotations

import asyncio
import os
import secrets
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TypeVar

from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Argon2Cost:
    """Argon2id's parameters: memory in KiB, passes over it, and lanes (threads)."""

    memory_kib: int
    time_cost: int
    parallelism: int


def default_workers() -> int:
    """Threads for hashing: one core fewer than the machine has (at least one)."""
    return max(1, (os.cpu_count() or 1) - 1)


class PasswordHasher:
    """Hashes and verifies passwords off the event loop, on its own bounded pool."""

    def __init__(self, cost: Argon2Cost, workers: int) -> None:
        hasher = Argon2Hasher(
            time_cost=cost.time_cost,
            memory_cost=cost.memory_kib,
            parallelism=cost.parallelism,
        )
        self._hash = PasswordHash((hasher,))
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="password-hash")
        # Verifying against this when the account does not exist makes a wrong email cost
        # the same time as a wrong password, so timing does not reveal which emails exist.
        self._decoy = self._hash.hash(secrets.token_urlsafe(16))

    async def hash(self, password: str) -> str:
        """An Argon2id hash of the password, at the configured cost."""
        return await self._run(self._hash.hash, password)

    async def verify(self, password: str, password_hash: str | None) -> bool:
        """Whether the password matches; with no hash, spends the same time and says no."""
        valid, _updated = await self.verify_and_update(password, password_hash)
        return valid

    async def verify_and_update(
        self, password: str, password_hash: str | None
    ) -> tuple[bool, str | None]:
        """Whether the password matches, and a new hash of it when the stored one was made
        at another cost (so a changed setting reaches every account at its next login)."""
        if password_hash is None:
            await self._run(self._hash.verify, password, self._decoy)
            return False, None
        return await self._run(self._hash.verify_and_update, password, password_hash)

    def close(self) -> None:
        """Stop the pool; hashes still waiting are cancelled."""
        self._pool.shutdown(wait=False, cancel_futures=True)

    async def _run(self, work: Callable[..., T], *args: str) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._pool, work, *args)
