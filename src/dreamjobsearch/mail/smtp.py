"""`SmtpMailer`: sends a message through the configured SMTP server with aiosmtplib,
trying a few times with a growing pause before it gives up."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from email.message import EmailMessage
from urllib.parse import unquote, urlsplit

import aiosmtplib

logger = logging.getLogger(__name__)

PORTS = {"smtp": 587, "smtps": 465}


class MailError(Exception):
    """An email could not be sent after every attempt; `message` says why, without secrets."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True, slots=True)
class SmtpServer:
    """Where and how to connect: read once from `SMTP_URL` (and `SMTP_PASSWORD`)."""

    host: str
    port: int
    implicit_tls: bool
    username: str | None
    password: str | None

    @classmethod
    def parse(cls, url: str, password: str | None = None) -> SmtpServer:
        """The server an `smtp://` or `smtps://` URL names; `password` wins over the URL's."""
        parts = urlsplit(url)
        if parts.scheme not in PORTS or not parts.hostname:
            raise ValueError("an SMTP URL looks like smtp://user:password@host:587")
        return cls(
            host=parts.hostname,
            port=parts.port or PORTS[parts.scheme],
            implicit_tls=parts.scheme == "smtps",
            username=unquote(parts.username) if parts.username else None,
            password=password or (unquote(parts.password) if parts.password else None),
        )


class SmtpMailer:
    """Sends email through one SMTP server."""

    def __init__(
        self, server: SmtpServer, sender: str, timeout: float, attempts: int, backoff: float
    ) -> None:
        self._server = server
        self.sender = sender
        self._timeout = timeout
        self._attempts = attempts
        self._backoff = backoff

    async def send(self, message: EmailMessage) -> None:
        """Send `message` (its From is set here); `MailError` when every attempt failed."""
        del message["From"]
        message["From"] = self.sender
        pause = self._backoff
        for attempt in range(1, self._attempts + 1):
            try:
                await aiosmtplib.send(
                    message,
                    hostname=self._server.host,
                    port=self._server.port,
                    username=self._server.username,
                    password=self._server.password,
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


def _describe(error: Exception) -> str:
    if isinstance(error, aiosmtplib.SMTPResponseException):
        return f"the mail server answered {error.code} {error.message}"
    if isinstance(error, TimeoutError | aiosmtplib.SMTPTimeoutError):
        return "the mail server did not answer in time"
    if isinstance(error, OSError | aiosmtplib.SMTPConnectError):
        return "the mail server could not be reached"
    return type(error).__name__
