"""Alerts: the postings new to the viewer that matched a saved search, and the header's
count of unread ones."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from dreamjobsearch.http_common.deps import ServicesDep
from dreamjobsearch.web.routing import WebRoute
from dreamjobsearch.web.templating import render
from dreamjobsearch.web.viewer import VerifiedViewerDep, ViewerDep
from dreamjobsearch.web.views import web_url

router = APIRouter(route_class=WebRoute, include_in_schema=False)

PAGE = "/matches"
SHOWN = 200


@router.get(PAGE)
async def alerts_page(request: Request, viewer: ViewerDep, services: ServicesDep) -> Response:
    """The viewer's alerts, newest first, unread ones marked."""
    page = await services.alerts.page(viewer.user_id, SHOWN)
    return render(
        request,
        "alerts.html",
        {
            "viewer": viewer,
            "csrf_token": viewer.csrf_token,
            "alerts": [(alert, web_url(alert.link)) for alert in page.alerts],
            "unread": page.unread,
        },
    )


@router.post("/web/alerts/read")
async def mark_all_read(viewer: VerifiedViewerDep, services: ServicesDep) -> Response:
    """Mark every alert of the viewer read."""
    await services.alerts.mark_read(viewer.user_id, None)
    return RedirectResponse(PAGE, status_code=303)


@router.get("/web/alerts/badge")
async def unread_badge(viewer: ViewerDep, services: ServicesDep) -> Response:
    """The header's badge: how many alerts are unread (nothing when none). The header loads
    it after the page, so no page waits for the count."""
    unread = await services.alerts.unread_count(viewer.user_id)
    if not unread:
        return HTMLResponse("")
    label = f"{unread} unread alert{'' if unread == 1 else 's'}"
    shown = "99+" if unread > 99 else str(unread)
    return HTMLResponse(
        f'<span class="badge badge-count" title="{label}"><span aria-hidden="true">{shown}'
        f'</span><span class="visually-hidden">{label}</span></span>'
    )
