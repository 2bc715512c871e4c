"""Who is looking at a page: the `Caller` behind the session cookie, plus what only pages
need on top of it: the CSRF token their forms carry, and a fresh token once the cookie's is
half spent.

Authentication itself is `http_common.caller`'s, the same path as the API's Bearer tokens;
admin rights are checked there too (`require_admin`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request

from dreamjobsearch.http_common.caller import Caller, cookie_caller, is_admin, require_admin
from dreamjobsearch.http_common.deps import ServicesDep
from dreamjobsearch.http_common.transports import SESSION_COOKIE
from dreamjobsearch.services import Services
from dreamjobsearch.web.csrf import CsrfSigner, presented_token, session_scope


class LoginRequired(Exception):
    """The page needs a logged-in session (answered with a redirect to /login)."""

    def __init__(self, stale_cookie: bool) -> None:
        super().__init__("log in first")
        self.stale_cookie = stale_cookie


@dataclass(frozen=True, slots=True)
class Viewer(Caller):
    """A logged-in page request: the caller, the CSRF token of its session, and whether the
    header shows the admin link (the admin pages themselves check with `require_admin`)."""

    csrf_token: str
    is_admin: bool


async def get_csrf(request: Request) -> CsrfSigner:
    """The app's CSRF signer (installed with the pages)."""
    signer: CsrfSigner = request.app.state.web_csrf
    return signer


CsrfDep = Annotated[CsrfSigner, Depends(get_csrf)]


async def optional_viewer(
    request: Request,
    services: ServicesDep,
    csrf: CsrfDep,
    caller: Annotated[Caller | None, Depends(cookie_caller)],
) -> Viewer | None:
    """The logged-in viewer, or None (no cookie, or its session ended)."""
    if caller is None:
        return None
    _renew_when_half_spent(request, services, caller)
    return Viewer(
        caller.claims,
        caller.session,
        services,
        csrf_token=await csrf.token(session_scope(caller.sid)),
        is_admin=await is_admin(services, caller),
    )


def _renew_when_half_spent(request: Request, services: Services, caller: Caller) -> None:
    """Once half the token's lifetime is spent, and the session outlives the token, hand
    the page a fresh token (set as the cookie by `WebRoute`): a page in use stays logged
    in for as long as its session lasts, not just one token lifetime."""
    now = services.clock.now()
    expires_at = caller.claims.expires_at
    half_spent = expires_at - now < services.settings.jwt_ttl / 2
    if half_spent and caller.session.record.expires_at > expires_at:
        issued = services.auth.renew(caller.session)
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


async def admin_viewer(viewer: ViewerDep, services: ServicesDep) -> Viewer:
    """The logged-in viewer, who must be an admin."""
    await require_admin(services, viewer)
    return viewer


async def verified_admin(viewer: VerifiedViewerDep, services: ServicesDep) -> Viewer:
    """An admin's state-changing request with its CSRF token."""
    await require_admin(services, viewer)
    return viewer


AdminViewerDep = Annotated[Viewer, Depends(admin_viewer)]
VerifiedAdminDep = Annotated[Viewer, Depends(verified_admin)]
