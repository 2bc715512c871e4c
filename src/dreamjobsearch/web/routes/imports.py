"""Importing postings from the pages: a JSON, JSON Lines or CSV upload with the API's report
(imported, duplicates, rejected rows and why), and the sample postings for a first look."""

from __future__ import annotations

import asyncio
from importlib.resources import files
from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, File, Request, UploadFile
from starlette.responses import RedirectResponse, Response

from dreamjobsearch.errors import InvalidInputError
from dreamjobsearch.http_common.deps import ServicesDep
from dreamjobsearch.sources.files import kind_of
from dreamjobsearch.web.routing import WebRoute
from dreamjobsearch.web.templating import render
from dreamjobsearch.web.viewer import VerifiedViewerDep, Viewer, ViewerDep
from dreamjobsearch.workspace import ImportReport

router = APIRouter(route_class=WebRoute, include_in_schema=False)

PAGE = "/import"
# The repository's examples/postings.json, shipped in the package so an installed server
# has it too.
SAMPLES = files("dreamjobsearch.web").joinpath("samples/postings.json")


def _page(
    request: Request,
    viewer: Viewer,
    report: ImportReport | None = None,
    problem: str | None = None,
    status_code: int = 200,
) -> Response:
    response = render(
        request,
        "import.html",
        {"viewer": viewer, "csrf_token": viewer.csrf_token, "report": report, "problem": problem},
    )
    response.status_code = status_code
    return response


@router.get(PAGE)
async def import_page(request: Request, viewer: ViewerDep) -> Response:
    """The form to import a file of postings."""
    return _page(request, viewer)


@router.post("/web/import")
async def import_file(
    request: Request,
    viewer: VerifiedViewerDep,
    services: ServicesDep,
    background: BackgroundTasks,
    file: Annotated[UploadFile, File()],
) -> Response:
    """Import the uploaded file's postings and show what became of each row; a file that
    cannot be read at all is shown with the reason (400)."""
    try:
        if not file.filename:
            raise InvalidInputError("choose a file to import")
        kind = kind_of(file.filename)
        # Parsed off the event loop by the workspace; the app caps the request's size.
        report = await viewer.workspace.import_document(await file.read(), kind)
    except InvalidInputError as error:
        return _page(request, viewer, problem=error.message, status_code=400)
    if report.imported:
        # The next ranking finds the index holding the new postings (after the reply).
        background.add_task(services.warm_up, viewer.workspace.user_id)
    return _page(request, viewer, report)


@router.post("/web/samples")
async def load_samples(
    viewer: VerifiedViewerDep, services: ServicesDep, background: BackgroundTasks
) -> Response:
    """Import the sample postings (again: the ones already there are duplicates) and show
    them on the results page."""
    data = await asyncio.to_thread(SAMPLES.read_bytes)
    report = await viewer.workspace.import_document(data, "json")
    background.add_task(services.warm_up, viewer.workspace.user_id)
    return RedirectResponse(f"/results?loaded={report.imported}", status_code=303)
