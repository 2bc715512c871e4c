"""My files: upload, list and delete the files the viewer's `file` sources read."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Form, Request, UploadFile
from starlette.responses import RedirectResponse, Response

from dreamjobsearch.domain.file_names import MAX_NAME_LENGTH
from dreamjobsearch.errors import InvalidInputError, PayloadTooLargeError
from dreamjobsearch.http_common.deps import ServicesDep
from dreamjobsearch.web.routing import WebRoute
from dreamjobsearch.web.templating import render
from dreamjobsearch.web.viewer import VerifiedViewerDep, ViewerDep

router = APIRouter(route_class=WebRoute, include_in_schema=False)

PAGE = "/files"
Name = Annotated[str, Form(min_length=1, max_length=MAX_NAME_LENGTH)]


@router.get(PAGE)
async def files_page(
    request: Request, viewer: ViewerDep, services: ServicesDep, done: str | None = None
) -> Response:
    """The viewer's files, a form to upload one, and a button to delete each."""
    return render(
        request,
        "files.html",
        {
            "viewer": viewer,
            "csrf_token": viewer.csrf_token,
            "files": await viewer.workspace.files(),
            "limits": services.workspace_services.files.limits,
            "done": {"saved": "File saved.", "deleted": "File deleted."}.get(done or ""),
        },
    )


@router.post("/web/files")
async def upload_file(
    viewer: VerifiedViewerDep, services: ServicesDep, file: Annotated[UploadFile, File()]
) -> Response:
    """Store the uploaded file under its own name, replacing any of that name."""
    limit = services.settings.max_user_file_bytes
    if not file.filename:
        raise InvalidInputError("choose a file to upload")
    data = await file.read(limit + 1)
    if len(data) > limit:
        raise PayloadTooLargeError(f"a file can be at most {limit} bytes")
    await viewer.workspace.store_file(file.filename, data)
    return RedirectResponse(f"{PAGE}?done=saved", status_code=303)


@router.post("/web/files/delete")
async def delete_file(viewer: VerifiedViewerDep, name: Name) -> Response:
    """Delete one of the viewer's files (404 when they have none of that name)."""
    await viewer.workspace.delete_file(name)
    return RedirectResponse(f"{PAGE}?done=deleted", status_code=303)
