"""JSON errors: every failure answers `{"detail": ...}` with a fitting status, never HTML,
but for one case the app may hand a page for: a browser asking for an address nobody serves."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from fastapi import FastAPI, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from sqlalchemy.exc import OperationalError
from starlette.exceptions import HTTPException
from starlette.responses import Response

from dreamjobsearch.errors import (
    DomainError,
    NotAuthenticatedError,
    TooLargeError,
    TooManyRequestsError,
    UnavailableError,
)
from dreamjobsearch.http_common.error_status import status_of

logger = logging.getLogger(__name__)

# The page for a 404, when the request is a browser's; None means JSON as usual.
NotFoundPage = Callable[[Request], Response | None]


def _domain_error(_request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, DomainError)
    status = status_of(error)
    headers: dict[str, str] = {}
    if isinstance(error, NotAuthenticatedError):
        headers["WWW-Authenticate"] = "Bearer"
    if isinstance(error, TooManyRequestsError | UnavailableError) and error.retry_after is not None:
        headers["Retry-After"] = str(error.retry_after)
    if isinstance(error, TooLargeError):
        # Shaped like every other 422 (and as the OpenAPI document says 422s are).
        detail = [{"type": "too_large", "loc": ["body"], "msg": error.message}]
        return JSONResponse({"detail": detail}, status_code=status, headers=headers)
    return JSONResponse({"detail": error.message}, status_code=status, headers=headers)


def _database_unavailable(_request: Request, error: Exception) -> JSONResponse:
    logger.error("database unavailable: %s", error)
    return JSONResponse(
        {"detail": "the database is unavailable: try again shortly"},
        status_code=503,
        headers={"Retry-After": "5"},
    )


def _invalid_request(_request: Request, error: Exception) -> JSONResponse:
    # The offending input is left out on purpose: it may be a password.
    assert isinstance(error, RequestValidationError)
    details = [
        {"type": item.get("type"), "loc": list(item.get("loc", ())), "msg": item.get("msg")}
        for item in error.errors()
    ]
    return JSONResponse({"detail": details}, status_code=422)


def _redis_unavailable(_request: Request, error: Exception) -> JSONResponse:
    logger.error("redis unavailable: %s", error)
    return JSONResponse(
        {"detail": "the session store (Redis) is unavailable: try again shortly"},
        status_code=503,
        headers={"Retry-After": "5"},
    )


def _unexpected(_request: Request, error: Exception) -> JSONResponse:
    logger.exception("unhandled error", exc_info=error)
    return JSONResponse({"detail": "internal error"}, status_code=500)


def _http_error(
    not_found_page: NotFoundPage | None,
) -> Callable[[Request, Exception], Awaitable[Response]]:
    """FastAPI's own handler of `HTTPException`s (a route nobody serves, a method a route
    does not take), asking `not_found_page` first for a 404."""

    async def handle(request: Request, error: Exception) -> Response:
        assert isinstance(error, HTTPException)
        if error.status_code == 404 and not_found_page is not None:
            page = not_found_page(request)
            if page is not None:
                return page
        return await http_exception_handler(request, error)

    return handle


def install_error_handlers(app: FastAPI, not_found_page: NotFoundPage | None = None) -> None:
    """Map domain errors, database outages and anything unexpected to JSON responses; a 404
    to the page `not_found_page` gives, if it gives one (the API does not know the pages)."""
    app.add_exception_handler(HTTPException, _http_error(not_found_page))
    app.add_exception_handler(DomainError, _domain_error)
    app.add_exception_handler(RequestValidationError, _invalid_request)
    app.add_exception_handler(OperationalError, _database_unavailable)
    app.add_exception_handler(RedisConnectionError, _redis_unavailable)
    app.add_exception_handler(RedisTimeoutError, _redis_unavailable)
    app.add_exception_handler(Exception, _unexpected)
