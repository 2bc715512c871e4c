"""Domain errors. The API maps each kind to an HTTP status; the domain never knows HTTP."""

from __future__ import annotations


class DomainError(Exception):
    """Base of every error a user can cause; `message` is safe to show them."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidInputError(DomainError):
    """The request is well-formed but asks for something that cannot be done (400)."""


class NotAuthenticatedError(DomainError):
    """No valid credentials, or the session behind them has ended (401)."""


class ForbiddenError(DomainError):
    """Authenticated, but not allowed (403)."""


class NotFoundError(DomainError):
    """No such thing, or not the caller's (404)."""


class ConflictError(DomainError):
    """The thing exists already or is in the wrong state (409)."""


class TooManyRequestsError(DomainError):
    """A limit was hit (429); `retry_after` seconds, when known, say when to try again."""

    def __init__(self, message: str, retry_after: int | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class InvalidValueError(DomainError):
    """A value breaks a rule its type cannot show, e.g. a too-common password (422)."""


class TooLargeError(DomainError):
    """The request is valid but asks for more than the server takes on at once (422)."""


class UnavailableError(DomainError):
    """The server cannot take this on now, whoever asks (503); `retry_after` seconds say
    when to try again."""

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after
