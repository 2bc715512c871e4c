"""Request dependencies: the services, the caller's session, admin checks (all `async`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from dreamjobsearch.auth.tokens import TokenClaims
from dreamjobsearch.errors import ForbiddenError, NotAuthenticatedError
from dreamjobsearch.services import Services
from dreamjobsearch.sessions.manager import ActiveSession
from dreamjobsearch.workspace import DreamJobSearch

bearer = HTTPBearer(auto_error=False, description="the access_token from /login or /register")


async def get_services(request: Request) -> Services:
    """The process's services, built by the app's lifespan."""
    services: Services = request.app.state.services
    return services


ServicesDep = Annotated[Services, Depends(get_services)]


@dataclass(frozen=True, slots=True)
class Caller:
    """An authenticated request: token claims, the live session, and admin rights."""

    claims: TokenClaims
    session: ActiveSession
    is_admin: bool

    @property
    def workspace(self) -> DreamJobSearch:
        """The caller's workspace (the same object on every request of the session)."""
        return self.session.workspace

    @property
    def user_id(self) -> int:
        """The caller's user id."""
        return self.claims.user_id


async def current_caller(
    services: ServicesDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> Caller:
    """The caller behind the Bearer token; 401 when missing, invalid or its session ended."""
    if credentials is None:
        raise NotAuthenticatedError("not authenticated: send Authorization: Bearer <token>")
    claims, session = await services.auth.authenticate(credentials.credentials)
    is_admin = session.record.email in services.settings.admin_emails
    return Caller(claims, session, is_admin)


CallerDep = Annotated[Caller, Depends(current_caller)]


async def current_admin(caller: CallerDep) -> Caller:
    """The caller, who must be an admin (403 otherwise)."""
    if not caller.is_admin:
        raise ForbiddenError("admins only")
    return caller


AdminDep = Annotated[Caller, Depends(current_admin)]
