"""The key ring for secrets at rest: the current key encrypts, every key decrypts.

Keys are 32 random bytes written as urlsafe base64. They come from `DREAMJOB_SECRET_KEY`
(current) and `DREAMJOB_SECRET_OLD_KEYS` (comma-separated, still decrypting), or else from the
key file `DATA_DIR/secret_keys` (one key a line, the current one first, mode 0600), created
with one new key the first time. A key is named by a short id derived from it, stored with
each ciphertext, so a ciphertext says which key opens it.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
import secrets
import tempfile
from dataclasses import dataclass
from pathlib import Path

from dreamjobsearch.config import Settings, private_file

KEY_BYTES = 32
KEY_FILE = "secret_keys"


class InvalidKeyError(ValueError):
    """A configured key is malformed."""


def new_key() -> str:
    """A fresh random key, as it is written in settings and the key file."""
    return base64.urlsafe_b64encode(secrets.token_bytes(KEY_BYTES)).decode("ascii")


def key_id(key: bytes) -> str:
    """The public name of a key: not enough of its hash to help guess it."""
    return hashlib.sha256(b"dreamjob-secret-key-id:" + key).hexdigest()[:12]


def _decode(text: str) -> bytes:
    try:
        raw = base64.urlsafe_b64decode(text.strip().encode("ascii"))
    except (binascii.Error, UnicodeEncodeError, ValueError) as error:
        raise InvalidKeyError(
            "a secret key is not urlsafe base64 (make one: dreamjob secrets new-key)"
        ) from error
    if len(raw) != KEY_BYTES:
        raise InvalidKeyError(f"a secret key must be {KEY_BYTES} bytes, this one is {len(raw)}")
    return raw


@dataclass(frozen=True, slots=True)
class KeyRing:
    """The current key and every key that may still open old ciphertexts, by id."""

    current_id: str
    keys: dict[str, bytes]

    @classmethod
    def from_texts(cls, current: str, old: list[str]) -> KeyRing:
        """A ring from keys as written (urlsafe base64), the current one first."""
        decoded = [_decode(text) for text in [current, *old] if text.strip()]
        keys = {key_id(key): key for key in decoded}
        return cls(current_id=key_id(decoded[0]), keys=keys)

    @property
    def current(self) -> bytes:
        """The key new writes use."""
        return self.keys[self.current_id]


def load_key_ring(settings: Settings) -> KeyRing:
    """The ring the settings give, else the key file's (created on first use)."""
    if settings.secret_key is not None and settings.secret_key.get_secret_value():
        old = settings.secret_old_keys.get_secret_value() if settings.secret_old_keys else ""
        return KeyRing.from_texts(settings.secret_key.get_secret_value(), old.split(","))
    lines = _key_file_lines(settings)
    return KeyRing.from_texts(lines[0], lines[1:])


def uses_key_file(settings: Settings) -> bool:
    """Whether the keys come from the key file rather than the environment."""
    return settings.secret_key is None or not settings.secret_key.get_secret_value()


def rotate_key_file(settings: Settings) -> KeyRing:
    """Put a new current key at the top of the key file, keeping the others to decrypt."""
    lines = [new_key(), *_key_file_lines(settings)]
    _write_key_file(settings, lines)
    return KeyRing.from_texts(lines[0], lines[1:])


def drop_old_keys(settings: Settings) -> int:
    """Keep only the current key in the key file; returns how many keys went."""
    lines = _key_file_lines(settings)
    _write_key_file(settings, lines[:1])
    return len(lines) - 1


def _write_key_file(settings: Settings, lines: list[str]) -> None:
    """Replace the key file at once (a private temporary file renamed into place)."""
    path = settings.ensure_data_dir() / KEY_FILE
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{KEY_FILE}.")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write("\n".join(lines) + "\n")
        os.replace(temporary, path)
    except BaseException:
        os.unlink(temporary)
        raise


def _key_file_lines(settings: Settings) -> list[str]:
    path: Path = settings.ensure_data_dir() / KEY_FILE
    text = private_file(path, lambda: new_key() + "\n", "DREAMJOB_SECRET_KEY")
    return [line.strip() for line in text.splitlines() if line.strip()]
