"""Passwords no account may choose: too short or too long, the most common ones, and ones
made of its own email.

Guessing attacks try the common passwords first and the victim's address next; a lockout
slows them down but does not stop a password that is on every list. The common ones are the
20,000 Django ships (data/common-passwords.txt.gz; data/NOTICE has its origin and licence),
compared as Django does: lower-cased, without surrounding spaces.
"""

from __future__ import annotations

import gzip
from functools import cache
from pathlib import Path

COMMON_PASSWORDS = Path(__file__).with_name("data") / "common-passwords.txt.gz"
# A local part this short ("al@...") is inside too many good passwords to refuse them all;
# a password equal to it is still refused.
MIN_LOCAL_PART_CHECKED = 3
# Long enough to resist guessing; short enough that hashing one costs a bounded time.
MIN_PASSWORD_LENGTH = 8
MAX_PASSWORD_LENGTH = 1024

BAD_LENGTH = f"the password must be {MIN_PASSWORD_LENGTH} to {MAX_PASSWORD_LENGTH} characters long"

TOO_COMMON = "this password is one of the most common passwords: choose another"
HAS_EMAIL = "the password must not contain your email address: choose another"
HAS_NAME = "the password must not contain the part of your email before the @: choose another"


@cache
def common_passwords() -> frozenset[str]:
    """The common passwords, lower-cased; read from the package once per process."""
    with gzip.open(COMMON_PASSWORDS, "rt", encoding="utf-8") as lines:
        return frozenset(stripped for line in lines if (stripped := line.strip()))


def password_problem(password: str, email: str) -> str | None:
    """Why `password` is refused for the account `email`, or None when it may be used."""
    if not MIN_PASSWORD_LENGTH <= len(password) <= MAX_PASSWORD_LENGTH:
        return BAD_LENGTH
    candidate = password.strip().lower()
    if candidate in common_passwords():
        return TOO_COMMON
    address = email.strip().lower()
    local_part = address.rpartition("@")[0]
    if address and address in candidate:
        return HAS_EMAIL
    if local_part and (
        candidate == local_part
        or (len(local_part) >= MIN_LOCAL_PART_CHECKED and local_part in candidate)
    ):
        return HAS_NAME
    return None
