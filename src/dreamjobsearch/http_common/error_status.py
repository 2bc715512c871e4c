"""The HTTP status each domain error answers with, the same for the API and the pages."""

from __future__ import annotations

from dreamjobsearch.errors import (
    ConflictError,
    DomainError,
    ForbiddenError,
    InvalidInputError,
    InvalidValueError,
    NotAuthenticatedError,
    NotFoundError,
    PayloadTooLargeError,
    TooLargeError,
    TooManyRequestsError,
    UnavailableError,
)

STATUS_BY_ERROR: tuple[tuple[type[DomainError], int], ...] = (
    (InvalidInputError, 400),
    (NotAuthenticatedError, 401),
    (ForbiddenError, 403),
    (NotFoundError, 404),
    (ConflictError, 409),
    (PayloadTooLargeError, 413),
    (TooManyRequestsError, 429),
    (InvalidValueError, 422),
    (TooLargeError, 422),
    (UnavailableError, 503),
)


def status_of(error: DomainError) -> int:
    """The status `error` answers with: the first kind it is in `STATUS_BY_ERROR`, else 400."""
    return next((code for kind, code in STATUS_BY_ERROR if isinstance(error, kind)), 400)
