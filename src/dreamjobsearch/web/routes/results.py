"""Results: the viewer's postings ranked by keywords (all of them, newest first, without
keywords), a page at a time, and their export; the companies they hid are listed under them."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from starlette.responses import Response

from dreamjobsearch.domain.tracking import STATUSES
from dreamjobsearch.errors import InvalidInputError
from dreamjobsearch.web.filters import (
    DAYS_LABELS,
    DEFAULT_VIEW_HINT,
    RESULTS_PAGE_SIZE,
    SORT_LABELS,
    STATUS_LABELS,
    FilterQueryDep,
    status_choices,
)
from dreamjobsearch.web.routing import WebRoute
from dreamjobsearch.web.templating import render
from dreamjobsearch.web.viewer import ViewerDep
from dreamjobsearch.web.views import Pages, rows

router = APIRouter(route_class=WebRoute, include_in_schema=False)

PAGE = "/results"


@router.get(PAGE)
async def results_page(
    request: Request,
    viewer: ViewerDep,
    query: FilterQueryDep,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    loaded: Annotated[int | None, Query(ge=0)] = None,
    hidden: Annotated[str | None, Query(max_length=1000)] = None,
    at: Annotated[int, Query(ge=0, le=100_000)] = 0,
) -> Response:
    """The ranking form and a page of ranked postings; without keywords in the address,
    the viewer's saved keywords are used (and their saved location too, when the address
    has no location either), and without those every posting is listed; with `run`, only
    the postings that run found new. With `hidden` (a company just hidden from row `at`), a
    notice in that row's place offers to undo it."""
    workspace = viewer.workspace
    saved = await workspace.saved_keywords()
    filters = query.filters(saved.keywords, saved.location)
    pages = Pages(number=page, size=RESULTS_PAGE_SIZE, total=0)
    found = []
    problem = None
    try:
        ranked = await workspace.rank(
            filters.keywords,
            filters.location or None,
            RESULTS_PAGE_SIZE,
            pages.offset,
            filters.statuses(),
            filters.sort,
            filters.postings(),
            run_id=filters.run or None,
        )
    except InvalidInputError as error:
        problem = error.message
    else:
        pages = Pages(number=page, size=RESULTS_PAGE_SIZE, total=ranked.total)
        found = rows(ranked.items)
    # Each row's page carries this view and the row's place in it (for previous / next).
    details = {
        row.id: f"/postings/{row.id}?{filters.query(at=pages.offset + number)}"
        for number, row in enumerate(found)
    }
    here = f"{PAGE}?{filters.query(page=page)}"
    links = {
        "previous": f"{PAGE}?{filters.query(page=page - 1)}" if page > 1 else None,
        "next": f"{PAGE}?{filters.query(page=page + 1)}" if page < pages.count else None,
        "csv": f"/web/export?{filters.query(format='csv')}",
        "json": f"/web/export?{filters.query(format='json')}",
    }
    blocked = await workspace.blocked_companies()
    return render(
        request,
        "results.html",
        {
            "viewer": viewer,
            "csrf_token": viewer.csrf_token,
            "filters": filters,
            "rows": found,
            "details": details,
            "pages": pages,
            "links": links,
            "here": here,
            "problem": problem,
            # Nothing to rank at all: the page offers sample postings and an import.
            "no_postings": problem is None and not found and not await workspace.has_postings(),
            "loaded": loaded,
            "any_new": any(row.is_new for row in found),
            "status_choices": status_choices(),
            "status_hint": DEFAULT_VIEW_HINT,
            "sort_labels": SORT_LABELS,
            "days_labels": DAYS_LABELS,
            "status_labels": STATUS_LABELS,
            "statuses": STATUSES,
            "blocked": blocked,
            "undo": undo_notice(hidden, at, blocked),
        },
    )


def undo_notice(hidden: str | None, at: int, blocked: list[str]) -> dict[str, object] | None:
    """The company to offer an undo for, as the viewer's list spells it, and where its row
    was; none when that company is not hidden (anymore), say on an old address."""
    if not hidden:
        return None
    wanted = " ".join(hidden.split()).casefold()
    for company in blocked:
        if company.casefold() == wanted:
            return {"company": company, "at": at}
    return None


@router.get("/web/export")
async def export(
    viewer: ViewerDep, query: FilterQueryDep, format: Literal["csv", "json"] = "csv"
) -> Response:
    """The whole ranked view (every page) as a CSV or JSON download; with `run`, only the
    postings that run found new, as the results page shows them."""
    filters = query.filters()
    exported = await viewer.workspace.export(
        format,
        filters.keywords,
        filters.location or None,
        filters.statuses(),
        filters.sort,
        filters.postings(),
        run_id=filters.run or None,
    )
    return Response(
        exported.content,
        media_type=exported.media_type,
        headers={"Content-Disposition": f'attachment; filename="{exported.filename}"'},
    )
