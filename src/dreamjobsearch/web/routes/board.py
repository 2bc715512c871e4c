"""The board: the viewer's postings grouped by status, each movable to another column."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from starlette.responses import Response

from dreamjobsearch.web.board import BOARD_PATH, load_board
from dreamjobsearch.web.routing import WebRoute
from dreamjobsearch.web.templating import render
from dreamjobsearch.web.viewer import ViewerDep

router = APIRouter(route_class=WebRoute, include_in_schema=False)

BoardPage = Annotated[int, Query(ge=1, le=100_000)]


@router.get(BOARD_PATH)
async def board_page(request: Request, viewer: ViewerDep, page: BoardPage = 1) -> Response:
    """One column per status with its count and its most recently found postings."""
    board = await load_board(viewer.workspace, page)
    context = {"viewer": viewer, **board.context(viewer.csrf_token)}
    return render(request, "board.html", context)
