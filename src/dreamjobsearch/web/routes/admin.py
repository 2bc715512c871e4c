"""Admin: the session monitor, with a button to end any session."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from starlette.responses import RedirectResponse, Response

from dreamjobsearch.errors import NotFoundError
from dreamjobsearch.http_common.deps import ServicesDep
from dreamjobsearch.web.routes.sessions import logged_out
from dreamjobsearch.web.routing import WebRoute
from dreamjobsearch.web.templating import render
from dreamjobsearch.web.viewer import AdminViewerDep, VerifiedAdminDep

router = APIRouter(route_class=WebRoute, include_in_schema=False)

PAGE = "/admin"
Sid = Annotated[str, Form(min_length=1, max_length=128)]


@router.get(PAGE)
async def admin_page(
    request: Request, viewer: AdminViewerDep, services: ServicesDep, ended: bool = False
) -> Response:
    """Every live session with its user, times, open streams and measured memory, and each
    user's workspace in this process with its measured memory against the budget."""
    stats = await services.sessions.stats()
    context = {
        "viewer": viewer,
        "csrf_token": viewer.csrf_token,
        "stats": stats,
        "pool": services.workspaces.usage(),
        "ended": ended,
    }
    return render(request, "admin.html", context)


@router.post("/web/admin/sessions/end")
async def end_any_session(
    request: Request, sid: Sid, viewer: VerifiedAdminDep, services: ServicesDep
) -> Response:
    """End any session: its token is refused from now on and its streams close."""
    if not await services.sessions.close(sid):
        raise NotFoundError("no such session: it may have ended already")
    if sid == viewer.sid:
        return logged_out(request)
    return RedirectResponse(f"{PAGE}?ended=true", status_code=303)
