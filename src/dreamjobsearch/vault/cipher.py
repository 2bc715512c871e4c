"""AES-256-GCM for secrets at rest, each ciphertext bound to its owner and name.

A stored secret is `nonce (12 bytes) || ciphertext+tag`, with the id of the key that sealed
it kept beside it. The associated data names the owner (a user, or the server) and the secret,
so a ciphertext copied to another user's row, to the server's table, or to another name, fails
to open instead of decrypting.
"""

from __future__ import annotations

import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from dreamjobsearch.vault.keys import KeyRing

NONCE_BYTES = 12


class UndecryptableError(Exception):
    """A secret could not be opened: its key is not in the ring, or it was altered."""


def associated_data(user_id: int | None, name: str) -> bytes:
    """What a ciphertext is bound to: its owner (a user, or the server itself when
    `user_id` is None) and the secret's name. The server's form never equals a user's, so
    a value sealed for one does not open as the other's."""
    owner = "server" if user_id is None else f"user:{user_id}"
    return f"dreamjob:{owner}:secret:{name}".encode()


def seal(ring: KeyRing, plaintext: bytes, aad: bytes) -> tuple[str, bytes]:
    """Encrypt under the current key: `(key id, nonce || ciphertext)`."""
    nonce = os.urandom(NONCE_BYTES)
    return ring.current_id, nonce + AESGCM(ring.current).encrypt(nonce, plaintext, aad)


def open_sealed(ring: KeyRing, key_id: str, sealed: bytes, aad: bytes) -> bytes:
    """Decrypt with the key that sealed it; `UndecryptableError` when that cannot be done."""
    key = ring.keys.get(key_id)
    if key is None:
        raise UndecryptableError(f"secret sealed with key {key_id}, which is not configured")
    try:
        return AESGCM(key).decrypt(sealed[:NONCE_BYTES], sealed[NONCE_BYTES:], aad)
    except InvalidTag as error:
        raise UndecryptableError("secret altered or bound to another owner") from error
