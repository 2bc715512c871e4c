"""A posting's own page: everything stored about it, where it is on the boards, the
viewer's status and note, and previous / next within the results it was opened from."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from starlette.responses import Response

from dreamjobsearch.domain.tracking import STATUSES
from dreamjobsearch.http_common.row_ids import PostingId
from dreamjobsearch.web.filters import STATUS_LABELS, FilterQueryDep
from dreamjobsearch.web.neighbours import neighbours
from dreamjobsearch.web.routing import WebRoute
from dreamjobsearch.web.templating import render
from dreamjobsearch.web.viewer import ViewerDep
from dreamjobsearch.web.views import board_links, paragraphs

router = APIRouter(route_class=WebRoute, include_in_schema=False)


@router.get("/postings/{posting_id}")
async def posting_page(
    request: Request,
    viewer: ViewerDep,
    query: FilterQueryDep,
    posting_id: PostingId,
    at: Annotated[int | None, Query(ge=0, le=10_000_000)] = None,
) -> Response:
    """One of the viewer's postings in full (404 for anyone else's); `at` and the results
    filters in the address say which results it was opened from."""
    workspace = viewer.workspace
    detail = await workspace.posting(posting_id)
    filters = query.filters()
    around = await neighbours(workspace, filters, posting_id, at)
    return render(
        request,
        "posting.html",
        {
            "viewer": viewer,
            "csrf_token": viewer.csrf_token,
            "detail": detail,
            "posting": detail.posting,
            "boards": board_links((link.source, link.link) for link in detail.links),
            "description": paragraphs(detail.posting.description),
            "around": around,
            "here": request.url.path + (f"?{request.url.query}" if request.url.query else ""),
            "statuses": STATUSES,
            "status_labels": STATUS_LABELS,
        },
    )
