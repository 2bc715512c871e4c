"""Who is calling: the one `Caller` every authenticated request resolves to, whichever way
its token travelled (`transports.py`), and the one admin check.

The API's routes take the caller behind a Bearer token (`bearer_caller`); the pages take the
caller behind the session cookie (`cookie_caller`) and add their CSRF token and token renewal
on top (`web/viewer.py`). Both go through `AuthService.authenticate`, so a page session is an
ordinary session: listed, limited, expired and revoked like any other.
"""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import Request
from fastapi.security import HTTPBearer
from fastapi.security.utils import get_authorization_scheme_param

from dreamjobsearch.auth.tokens import TokenClaims
from dreamjobsearch.errors import ForbiddenError, NotAuthenticatedError
from dreamjobsearch.http_common.deps import ServicesDep
from dreamjobsearch.http_common.transports import (
    BEARER_DESCRIPTION,
    BEARER_SCHEME_NAME,
    cookie_token,
)
from dreamjobsearch.services import Services
from dreamjobsearch.sessions.manager import ActiveSession
from dreamjobsearch.workspace import Workspace

ADMINS_ONLY = "admins only"


@dataclass(frozen=True, slots=True)
class Caller:
    """An authenticated request: its token's claims, its live session, and the services it
    is served with (so that a route needs no second dependency for them: FastAPI solves
    each dependency on its own, at a cost over HTTP of tens of microseconds a request)."""

    claims: TokenClaims
    session: ActiveSession[Workspace]
    services: Services

    @property
    def workspace(self) -> Workspace:
        """The caller's workspace (the same object on every request of the session)."""
        return self.session.workspace

    @property
    def user_id(self) -> int:
        """The caller's user id."""
        return self.claims.user_id

    @property
    def sid(self) -> str:
        """The caller's session id."""
        return self.claims.sid

    @property
    def email(self) -> str:
        """The caller's email."""
        return self.session.record.email


async def authenticate(services: Services, token: str) -> Caller:
    """The caller `token` stands for; `NotAuthenticatedError` when it is invalid, expired
    or its session ended."""
    claims, session = await services.auth.authenticate(token)
    return Caller(claims, session, services)


class BearerCaller(HTTPBearer):
    """The caller behind the `Authorization: Bearer` header, as one dependency.

    The header's security scheme itself (so the OpenAPI document describes it, exactly as a
    plain `HTTPBearer` would) that resolves the token to its `Caller` in the same call:
    every authenticated API request pays for one dependency instead of a chain of four
    (scheme, token, services, caller), each of which FastAPI solves on its own.
    """

    async def __call__(self, request: Request) -> Caller:  # type: ignore[override]
        """The caller; 401 when the header is missing, the token invalid or its session ended.

        The header is read here rather than by `HTTPBearer.__call__`, which builds a
        credentials model on every request only for this call to take the token out of it.
        """
        scheme, token = get_authorization_scheme_param(request.headers.get("Authorization"))
        if scheme.lower() != "bearer" or not token:
            raise NotAuthenticatedError("not authenticated: send Authorization: Bearer <token>")
        services: Services = request.app.state.services
        return await authenticate(services, token)


bearer_caller = BearerCaller(
    auto_error=False, scheme_name=BEARER_SCHEME_NAME, description=BEARER_DESCRIPTION
)


async def cookie_caller(request: Request, services: ServicesDep) -> Caller | None:
    """The caller behind the session cookie, or None (no cookie, or its session ended: a
    page then asks to log in rather than answering 401)."""
    token = cookie_token(request)
    if token is None:
        return None
    try:
        return await authenticate(services, token)
    except NotAuthenticatedError:
        return None


async def is_admin(services: Services, caller: Caller) -> bool:
    """Whether the caller's account has the admin flag. Read from the account (cached for a
    second at most), never from the token, so `dreamjob admin revoke` takes effect within a
    second."""
    return await services.users.is_admin(caller.user_id)


async def require_admin(services: Services, caller: Caller) -> None:
    """The one admin check of the API and the pages: `ForbiddenError` (403) unless the
    caller's account is an admin's."""
    if not await is_admin(services, caller):
        raise ForbiddenError(ADMINS_ONLY)
