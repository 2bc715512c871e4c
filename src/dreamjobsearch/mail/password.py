"""Where the SMTP password comes from. The first of these that is set wins: the password
in `SMTP_URL`, `SMTP_PASSWORD`, `SMTP_PASSWORD_FILE` (all three read once, at start-up),
then the server secret `smtp-password` in the vault, looked up at each send, so that
`dreamjob secrets set smtp-password` takes effect without a restart."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

from dreamjobsearch.config import Settings

logger = logging.getLogger(__name__)

SMTP_PASSWORD_SECRET = "smtp-password"  # noqa: S105 -- the name of a vault secret
VAULT_SOURCE = f"the server secret {SMTP_PASSWORD_SECRET!r} (dreamjob secrets set)"

# Looks the password up when it is needed: None when it is not set; `MailError` when it is
# set but cannot be read.
PasswordLookup = Callable[[], Awaitable[str | None]]


@dataclass(frozen=True, slots=True)
class SmtpPassword:
    """The SMTP password: `fixed`, found in the settings at start-up, or else whatever
    `lookup` finds at each send; `source` says where it comes from (never the value)."""

    fixed: str | None
    source: str
    lookup: PasswordLookup

    async def get(self) -> str | None:
        """The password to log in with now, or None when there is none anywhere."""
        return self.fixed if self.fixed is not None else await self.lookup()


def smtp_password(
    settings: Settings, url_password: str | None, lookup: PasswordLookup
) -> SmtpPassword:
    """The password's source by the order above. A set source that a higher one hides is
    logged, so that an operator does not wonder why a new password file changes nothing."""
    readers: list[tuple[str, Callable[[], str]]] = []
    if url_password:
        readers.append(("the password in DREAMJOB_SMTP_URL", lambda: url_password))
    environment = settings.smtp_password.get_secret_value() if settings.smtp_password else ""
    if environment:
        readers.append(("DREAMJOB_SMTP_PASSWORD", lambda: environment))
    if (file := settings.smtp_password_file) is not None:
        readers.append(("DREAMJOB_SMTP_PASSWORD_FILE", lambda: _read_file(file)))
    if not readers:
        return SmtpPassword(None, VAULT_SOURCE, lookup)
    (source, read), *hidden = readers
    for name, _ in hidden:
        logger.warning("%s is not used: %s comes first", name, source)
    return SmtpPassword(read(), source, lookup)


def _read_file(path: Path) -> str:
    # A missing, unreadable or empty file stops start-up here, not the first email hours
    # later.
    password = path.read_text(encoding="utf-8").strip()
    if not password:
        raise ValueError(f"DREAMJOB_SMTP_PASSWORD_FILE names an empty file: {path}")
    return password
