"""One reading of an email address for every path: the API, the web forms, the command line.

An account is found by its email, so two paths that read the same typed text differently
would let one person hold two accounts, or store `Admin <admin@example.com>` as an address.
Display-name forms, quoted local parts and IP-literal domains are refused rather than
guessed at; a valid address is stored lower-cased, as logins have always compared it.
"""

from __future__ import annotations

from email_validator import EmailNotValidError, validate_email

MAX_EMAIL_LENGTH = 320


class InvalidEmailError(ValueError):
    """The text is not one plain email address; the message says why (safe to show)."""


def normalise_email(text: str) -> str:
    """The address as stored and compared: validated, Unicode-normalised, lower-cased.

    Surrounding whitespace is dropped (forms often carry it); anything else that is not a
    bare address, such as `Name <address>`, raises `InvalidEmailError`.
    """
    candidate = text.strip()
    if len(candidate) > MAX_EMAIL_LENGTH:
        raise InvalidEmailError(f"an email address has at most {MAX_EMAIL_LENGTH} characters")
    try:
        parts = validate_email(candidate, check_deliverability=False)
    except EmailNotValidError as error:
        raise InvalidEmailError(f"not a valid email address: {error}") from error
    return parts.normalized.lower()
