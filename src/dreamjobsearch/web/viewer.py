"""Who is looking at a page: the session behind the cookie, and its CSRF token.

Pages authenticate with the session cookie through the same `AuthService.authenticate` as
the API's Bearer tokens, so a page session is an ordinary session: it is listed, limited,
expires and is revoked like any other.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request

from dreamjobsearch.auth.tokens import TokenClaims
from dreamjobsearch.errors import ForbiddenError, NotAuthenticatedError
from dreamjobsearch.http_common.deps import ServicesDep
from dreamjobsearch.services import Services
from dreamjobsearch.sessions.manager import ActiveSession
from dreamjobsearch.web.cookies import SESSION_COOKIE
from dreamjobsearch.web.csrf import CsrfSigner, presented_token, session_scope
from dreamjobsearch.workspace import Workspace


class LoginRequired(Exception):
    """The page needs a logged-in session (answered with a redirect to /login)."""

    def __init__(self, stale_cookie: bool) -> None:
        super().__init__("log in first")
        self.stale_cookie = stale_cookie


@dataclass(frozen=True, slots=True)
class Viewer:
    """A logged-in page request: its session, workspace, admin rights and CSRF token."""

    claims: TokenClaims
    session: ActiveSession[Workspace]
    is_admin: bool
    csrf_token: str

    @property
    def workspace(self) -> Workspace:
        """The session's workspace."""
        return self.session.workspace

    @property
    def user_id(self) -> int:
        """The viewer's user id."""
        return self.claims.user_id

    @property
    def sid(self) -> str:
        """The viewer's session id."""
        return self.claims.sid

    @property
    def email(self) -> str:
        """The viewer's email."""
        return self.session.record.email


async def get_csrf(request: Request) -> CsrfSigner:
    """The app's CSRF signer (installed with the pages)."""
    signer: CsrfSigner = request.app.state.web_csrf
    return signer


CsrfDep = Annotated[CsrfSigner, Depends(get_csrf)]


async def optional_viewer(request: Request, services: ServicesDep, csrf: CsrfDep) -> Viewer | None:
    """The logged-in viewer, or None (no cookie, or its session ended)."""
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        return None
    try:
        claims, session = await services.auth.authenticate(token)
    except NotAuthenticatedError:
        return None
    _renew_when_half_spent(request, services, claims, session)
    # Read from the account on each page, so `dreamjob admin revoke` takes effect at once.
    is_admin = await services.users.is_admin(claims.user_id)
    return Viewer(claims, session, is_admin, await csrf.token(session_scope(claims.sid)))


def _renew_when_half_spent(
    request: Request,
    services: Services,
    claims: TokenClaims,
    session: ActiveSession[Workspace],
) -> None:
    """Once half the token's lifetime is spent, and the session outlives the token, hand
    the page a fresh token (set as the cookie by `WebRoute`): a page in use stays logged
    in for as long as its session lasts, not just one token lifetime."""
    now = services.clock.now()
    half_spent = claims.expires_at - now < services.settings.jwt_ttl / 2
    if half_spent and session.record.expires_at > claims.expires_at:
        issued = services.auth.renew(session)
        request.state.renewed_token = (issued.access_token, int(issued.claims.expires_at - now))


async def current_viewer(
    request: Request, viewer: Annotated[Viewer | None, Depends(optional_viewer)]
) -> Viewer:
    """The logged-in viewer; `LoginRequired` (a redirect to /login) otherwise."""
    if viewer is None:
        raise LoginRequired(stale_cookie=SESSION_COOKIE in request.cookies)
    return viewer


ViewerDep = Annotated[Viewer, Depends(current_viewer)]


async def verified_viewer(request: Request, viewer: ViewerDep, csrf: CsrfDep) -> Viewer:
    """The logged-in viewer of a state-changing request that carries its CSRF token."""
    await csrf.check(session_scope(viewer.sid), await presented_token(request))
    return viewer


VerifiedViewerDep = Annotated[Viewer, Depends(verified_viewer)]


async def admin_viewer(viewer: ViewerDep) -> Viewer:
    """The logged-in viewer, who must be an admin."""
    if not viewer.is_admin:
        raise ForbiddenError("this page is for admins only")
    return viewer


async def verified_admin(viewer: VerifiedViewerDep) -> Viewer:
    """An admin's state-changing request with its CSRF token."""
    if not viewer.is_admin:
        raise ForbiddenError("this page is for admins only")
    return viewer


AdminViewerDep = Annotated[Viewer, Depends(admin_viewer)]
VerifiedAdminDep = Annotated[Viewer, Depends(verified_admin)]
