"""`SmtpMailer`: sends a message through the configured SMTP server with aiosmtplib,
logging in with the password `password.py` finds, trying a few times with a growing pause
before it gives up."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from email.message import EmailMessage
from urllib.parse import unquote, urlsplit

import aiosmtplib

from dreamjobsearch.mail.password import SMTP_PASSWORD_SECRET, SmtpPassword

logger = logging.getLogger(__name__)

PORTS = {"smtp": 587, "smtps": 465}


class MailError(Exception):
    """An email could not be sent after every attempt; `message` says why, without secrets."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True, slots=True)
class SmtpServer:
    """Where and how to connect, and as whom: read once from `SMTP_URL` (`password` is the
    URL's own, if it has one)."""

    host: str
    port: int
    implicit_tls: bool
    username: str | None
    password: str | None

    @classmethod
    def parse(cls, url: str) -> SmtpServer:
        """The server an `smtp://` or `smtps://` URL names."""
        parts = urlsplit(url)
        if parts.scheme not in PORTS or not parts.hostname:
            raise ValueError("an SMTP URL looks like smtp://user:password@host:587")
        return cls(
            host=parts.hostname,
            port=parts.port or PORTS[parts.scheme],
            implicit_tls=parts.scheme == "smtps",
            username=unquote(parts.username) if parts.username else None,
            password=unquote(parts.password) if parts.password else None,
        )


class SmtpMailer:
    """Sends email through one SMTP server, logging in when `SMTP_URL` names a user."""

    def __init__(
        self,
        server: SmtpServer,
        password: SmtpPassword,
        sender: str,
        timeout: float,
        attempts: int,
        backoff: float,
    ) -> None:
        self._server = server
        self._password = password
        self.sender = sender
        self._timeout = timeout
        self._attempts = attempts
        self._backoff = backoff

    async def send(self, message: EmailMessage) -> None:
        """Send `message` (its From is set here); `MailError` when every attempt failed."""
        del message["From"]
        message["From"] = self.sender
        password = await self._login_password()
        pause = self._backoff
        for attempt in range(1, self._attempts + 1):
            try:
                await aiosmtplib.send(
                    message,
                    hostname=self._server.host,
                    port=self._server.port,
                    username=self._server.username,
                    password=password,
                    use_tls=self._server.implicit_tls,
                    timeout=self._timeout,
                )
            except (aiosmtplib.SMTPException, OSError, TimeoutError) as error:
                reason = _describe(error)
                logger.warning(
                    "email to %s, attempt %d of %d: %s",
                    message["To"],
                    attempt,
                    self._attempts,
                    reason,
                )
                if attempt == self._attempts:
                    raise MailError(
                        f"the email could not be sent after {attempt} attempts: {reason}"
                    ) from error
                await asyncio.sleep(pause)
                pause *= 2
            else:
                return

    async def log_login(self) -> None:
        """Say at start-up how emails will log in to the mail server (never the password),
        or, as a warning, that they cannot."""
        server = f"{self._server.host}:{self._server.port}"
        try:
            await self._login_password()
        except MailError as error:
            logger.warning("alert emails cannot be sent: %s", error.message)
            return
        if self._server.username is None:
            logger.info("alert emails go through %s without logging in", server)
        else:
            logger.info(
                "alert emails go through %s as %s, with the password from %s",
                server,
                self._server.username,
                self._password.source,
            )

    async def _login_password(self) -> str | None:
        """The password to log in with (None: no login); `MailError` when `SMTP_URL` names
        a user but no password is set anywhere, or the vault's cannot be read."""
        if self._server.username is None:
            return None
        password = await self._password.get()
        if password is None:
            raise MailError(
                f"DREAMJOB_SMTP_URL names the user {self._server.username!r} but no password "
                "is set: put it in DREAMJOB_SMTP_PASSWORD, DREAMJOB_SMTP_PASSWORD_FILE or "
                f"the vault (dreamjob secrets set {SMTP_PASSWORD_SECRET})"
            )
        return password


def _describe(error: Exception) -> str:
    if isinstance(error, aiosmtplib.SMTPResponseException):
        return f"the mail server answered {error.code} {error.message}"
    if isinstance(error, TimeoutError | aiosmtplib.SMTPTimeoutError):
        return "the mail server did not answer in time"
    if isinstance(error, OSError | aiosmtplib.SMTPConnectError):
        return "the mail server could not be reached"
    return type(error).__name__
