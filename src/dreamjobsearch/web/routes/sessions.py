"""My sessions: where the viewer is logged in; end one, or every other one."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from starlette.responses import RedirectResponse, Response

from dreamjobsearch.errors import NotFoundError
from dreamjobsearch.http_common.deps import ServicesDep
from dreamjobsearch.web.cookies import clear_session_cookie
from dreamjobsearch.web.routing import WebRoute
from dreamjobsearch.web.templating import render
from dreamjobsearch.web.viewer import VerifiedViewerDep, ViewerDep

router = APIRouter(route_class=WebRoute, include_in_schema=False)

PAGE = "/account/sessions"
Sid = Annotated[str, Form(min_length=1, max_length=128)]


def logged_out(request: Request) -> Response:
    """The viewer ended their own session: forget the cookie, go to the login page."""
    response = RedirectResponse("/login", status_code=303)
    clear_session_cookie(response, request)
    return response


@router.get(PAGE)
async def sessions_page(
    request: Request, viewer: ViewerDep, services: ServicesDep, ended: int | None = None
) -> Response:
    """The viewer's live sessions, most recently used first; this one is marked."""
    records = await services.sessions.sessions_of(viewer.user_id)
    return render(
        request,
        "sessions.html",
        {
            "viewer": viewer,
            "csrf_token": viewer.csrf_token,
            "sessions": records,
            "ended": ended,
        },
    )


@router.post("/web/sessions/end")
async def end_session(
    request: Request, sid: Sid, viewer: VerifiedViewerDep, services: ServicesDep
) -> Response:
    """End one of the viewer's sessions (the sid travels in the body, never in a URL)."""
    if not await services.sessions.close_own(viewer.user_id, sid):
        raise NotFoundError("no such session of yours: it may have ended already")
    if sid == viewer.sid:
        return logged_out(request)
    return RedirectResponse(f"{PAGE}?ended=1", status_code=303)


@router.post("/web/sessions/end-others")
async def end_other_sessions(viewer: VerifiedViewerDep, services: ServicesDep) -> Response:
    """End every session of the viewer's but this one."""
    ended = await services.sessions.close_others(viewer.user_id, viewer.sid)
    return RedirectResponse(f"{PAGE}?ended={ended}", status_code=303)
