"""`Reencryption`: after a key rotation, re-seal with the current key every secret, users'
and the server's alike, that an older key sealed; and count those still waiting."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace

from dreamjobsearch.storage.sealed_table import SealedSecret, SealedTable
from dreamjobsearch.vault.cipher import associated_data, seal
from dreamjobsearch.vault.keys import KeyRing
from dreamjobsearch.vault.vault import open_secret

REENCRYPT_BATCH = 500


class Reencryption:
    """Moves every table of sealed secrets to the ring's current key."""

    def __init__(self, tables: Sequence[SealedTable], ring: KeyRing) -> None:
        self._tables = tables
        self._ring = ring

    async def pending(self) -> int:
        """How many secrets are sealed with a key other than the current one."""
        current = self._ring.current_id
        return sum([await table.count_with_other_keys(current) for table in self._tables])

    async def run(self, progress: Callable[[int], None] = lambda _done: None) -> int:
        """Re-seal with the current key every secret sealed with an older one; returns how
        many. A table stops when a batch changes nothing (rows being rewritten meanwhile)."""
        done = 0
        for table in self._tables:
            while batch := await table.sealed_with_other_keys(
                self._ring.current_id, REENCRYPT_BATCH
            ):
                replaced = await table.replace_sealed([self._reseal(secret) for secret in batch])
                if replaced == 0:
                    break
                done += replaced
                progress(replaced)
        return done

    def _reseal(self, secret: SealedSecret) -> SealedSecret:
        aad = associated_data(secret.user_id, secret.name)
        key_id, sealed = seal(self._ring, open_secret(self._ring, secret), aad)
        return replace(secret, key_id=key_id, sealed=sealed)
