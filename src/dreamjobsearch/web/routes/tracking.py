"""Where the viewer is with their postings: a status and a note per posting, saved keywords
and location, visits."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Form, Request
from starlette.responses import RedirectResponse, Response

from dreamjobsearch.domain.tracking import MAX_LOCATION_LENGTH, MAX_NOTE_LENGTH, STATUSES, Status
from dreamjobsearch.http_common.row_ids import PostingId
from dreamjobsearch.web.board import load_board
from dreamjobsearch.web.filters import STATUS_LABELS, keyword_list
from dreamjobsearch.web.routing import WebRoute, safe_next
from dreamjobsearch.web.templating import is_htmx, render
from dreamjobsearch.web.viewer import VerifiedViewerDep

router = APIRouter(route_class=WebRoute, include_in_schema=False)

Back = Annotated[str, Form(max_length=6000)]
# Bounded here only against abuse: the domain trims a note or location and explains its own
# limit.
NoteText = Annotated[str, Form(max_length=4 * MAX_NOTE_LENGTH)]
LocationText = Annotated[str, Form(max_length=4 * MAX_LOCATION_LENGTH)]


@router.post("/web/postings/{posting_id}/status")
async def set_status(
    request: Request,
    posting_id: PostingId,
    status: Annotated[Status, Form()],
    viewer: VerifiedViewerDep,
    back: Back = "/results",
    view: Annotated[Literal["row", "board"], Form()] = "row",
    page: Annotated[int, Form(ge=1, le=100_000)] = 1,
) -> Response:
    """Set the status of one of the viewer's postings (404 for anyone else's). htmx gets
    the form back, or from the board the board again, the posting in its new column."""
    tracked = await viewer.workspace.track(posting_id, status=status)
    if not is_htmx(request):
        return RedirectResponse(safe_next(back), status_code=303)
    if view == "board":
        board = await load_board(viewer.workspace, page)
        context = {**board.context(viewer.csrf_token), "moved": tracked}
        return render(request, "fragments/board.html", context)
    return render(
        request,
        "fragments/status_form.html",
        {
            "posting_id": posting_id,
            "title": tracked.posting.title,
            "status": tracked.status,
            "statuses": STATUSES,
            "status_labels": STATUS_LABELS,
            "csrf_token": viewer.csrf_token,
            "here": safe_next(back),
            "saved": True,
        },
    )


@router.post("/web/postings/{posting_id}/note")
async def set_note(
    request: Request,
    posting_id: PostingId,
    viewer: VerifiedViewerDep,
    note: NoteText,
    back: Back = "/results",
) -> Response:
    """Write the viewer's note on one of their postings (empty removes it; 404 for anyone
    else's). htmx gets the note's part of the row back."""
    tracked = await viewer.workspace.track(posting_id, note=note)
    if not is_htmx(request):
        return RedirectResponse(safe_next(back), status_code=303)
    return render(
        request,
        "fragments/note_form.html",
        {
            "posting_id": posting_id,
            "title": tracked.posting.title,
            "note": tracked.note,
            "csrf_token": viewer.csrf_token,
            "here": safe_next(back),
            "saved": True,
        },
    )


@router.post("/web/keywords")
async def save_keywords(
    request: Request,
    viewer: VerifiedViewerDep,
    keywords: Annotated[str, Form(max_length=5000)] = "",
    location: LocationText = "",
) -> Response:
    """Keep these keywords and the location typed next to them (blank: anywhere) as the
    viewer's own: the results page starts from them."""
    saved = await viewer.workspace.save_keywords(keyword_list(keywords), location)
    if not is_htmx(request):
        # Without keywords or a location in the address the page uses the saved ones.
        return RedirectResponse("/results", status_code=303)
    return render(request, "fragments/keywords_saved.html", {"saved": saved})


@router.post("/web/results/seen")
async def mark_seen(viewer: VerifiedViewerDep, back: Back = "/results") -> Response:
    """Record a visit: what was found until now is no longer marked new."""
    await viewer.workspace.mark_seen()
    return RedirectResponse(safe_next(back), status_code=303)
