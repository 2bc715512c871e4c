"""Results: the viewer's postings ranked by keywords, a page at a time, and their export;
the companies they hid are listed under them."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from starlette.responses import Response

from dreamjobsearch.domain.tracking import STATUSES
from dreamjobsearch.errors import InvalidInputError
from dreamjobsearch.search.selection import Sort
from dreamjobsearch.web.filters import (
    DEFAULT_VIEW_HINT,
    SORT_LABELS,
    STATUS_LABELS,
    Filters,
    keyword_list,
    status_choices,
)
from dreamjobsearch.web.routing import WebRoute
from dreamjobsearch.web.templating import render
from dreamjobsearch.web.viewer import ViewerDep
from dreamjobsearch.web.views import Pages, rows

router = APIRouter(route_class=WebRoute, include_in_schema=False)

PAGE_SIZE = 25
PAGE = "/results"

KeywordsQuery = Annotated[str | None, Query(max_length=5000)]
LocationQuery = Annotated[str, Query(max_length=200)]
StatusQuery = Annotated[str, Query(max_length=20)]


@router.get(PAGE)
async def results_page(
    request: Request,
    viewer: ViewerDep,
    keywords: KeywordsQuery = None,
    location: LocationQuery = "",
    status: StatusQuery = "",
    sort: Sort = "score",
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    run: Annotated[str, Query(max_length=64)] = "",
) -> Response:
    """The ranking form and a page of ranked postings; without keywords in the address,
    the viewer's saved keywords are used; with `run`, only the postings that run found new."""
    workspace = viewer.workspace
    words = await workspace.keywords() if keywords is None else keyword_list(keywords)
    filters = Filters(words, location.strip(), status, sort, run)
    pages = Pages(number=page, size=PAGE_SIZE, total=0)
    found = []
    problem = None
    if words:
        try:
            ranked = await workspace.rank(
                words,
                filters.location or None,
                PAGE_SIZE,
                pages.offset,
                filters.statuses(),
                sort,
                run_id=filters.run or None,
            )
        except InvalidInputError as error:
            problem = error.message
        else:
            pages = Pages(number=page, size=PAGE_SIZE, total=ranked.total)
            found = rows(ranked.items)
    here = f"{PAGE}?{filters.query(page=page)}"
    links = {
        "previous": f"{PAGE}?{filters.query(page=page - 1)}" if page > 1 else None,
        "next": f"{PAGE}?{filters.query(page=page + 1)}" if page < pages.count else None,
        "csv": f"/web/export?{filters.query(format='csv')}",
        "json": f"/web/export?{filters.query(format='json')}",
    }
    return render(
        request,
        "results.html",
        {
            "viewer": viewer,
            "csrf_token": viewer.csrf_token,
            "filters": filters,
            "rows": found,
            "pages": pages,
            "links": links,
            "here": here,
            "problem": problem,
            "any_new": any(row.is_new for row in found),
            "status_choices": status_choices(),
            "status_hint": DEFAULT_VIEW_HINT,
            "sort_labels": SORT_LABELS,
            "status_labels": STATUS_LABELS,
            "statuses": STATUSES,
            "blocked": await workspace.blocked_companies(),
        },
    )


@router.get("/web/export")
async def export(
    viewer: ViewerDep,
    keywords: Annotated[str, Query(min_length=1, max_length=5000)],
    format: Literal["csv", "json"] = "csv",
    location: LocationQuery = "",
    status: StatusQuery = "",
    sort: Sort = "score",
) -> Response:
    """The whole ranked view (every page) as a CSV or JSON download."""
    filters = Filters(keyword_list(keywords), location.strip(), status, sort)
    exported = await viewer.workspace.export(
        format, filters.keywords, filters.location or None, filters.statuses(), sort
    )
    return Response(
        exported.content,
        media_type=exported.media_type,
        headers={"Content-Disposition": f'attachment; filename="{exported.filename}"'},
    )
