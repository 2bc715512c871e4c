"""The first-visit guide a new account lands on: three steps from an empty account to alerts,
each marked done once the viewer has done it."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from dreamjobsearch.http_common.deps import ServicesDep
from dreamjobsearch.web.routing import WebRoute
from dreamjobsearch.web.templating import render
from dreamjobsearch.web.viewer import ViewerDep

router = APIRouter(route_class=WebRoute, include_in_schema=False)

PAGE = "/welcome"


@router.get(PAGE)
async def welcome_page(request: Request, viewer: ViewerDep, services: ServicesDep) -> Response:
    """The guide: get postings, save a search, set keywords."""
    postings = await services.postings.count_for_user(viewer.user_id)
    searches = await services.saved_searches.list(viewer.user_id)
    saved = await viewer.workspace.saved_keywords()
    return render(
        request,
        "welcome.html",
        {
            "viewer": viewer,
            "csrf_token": viewer.csrf_token,
            "postings": postings,
            "searches": len(searches),
            "saved": saved,
        },
    )
