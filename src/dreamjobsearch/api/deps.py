"""The API's request dependencies: the caller behind a Bearer token, admin checks (all
`async`). The services come from `http_common.deps`, shared with the pages."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from dreamjobsearch.auth.tokens import TokenClaims
from dreamjobsearch.errors import ForbiddenError, NotAuthenticatedError
from dreamjobsearch.http_common.deps import ServicesDep
from dreamjobsearch.sessions.manager import ActiveSession
from dreamjobsearch.workspace import Workspace

bearer = HTTPBearer(auto_error=False, description="the access_token from /login or /register")


@dataclass(frozen=True, slots=True)
class Caller:
    """An authenticated request: token claims and the live session."""

    claims: TokenClaims
    session: ActiveSession[Workspace]

    @property
    def workspace(self) -> Workspace:
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
    return Caller(claims, session)


CallerDep = Annotated[Caller, Depends(current_caller)]


async def current_admin(caller: CallerDep, services: ServicesDep) -> Caller:
    """The caller, whose account must have the admin flag (403 otherwise).

    The flag is read on each admin request, so `dreamjob admin revoke` takes effect at once.
    """
    if not await services.users.is_admin(caller.user_id):
        raise ForbiddenError("admins only")
    return caller


AdminDep = Annotated[Caller, Depends(current_admin)]
