"""Job postings: import, rank, and start update runs (tracking routes: `tracking.py`)."""

from __future__ import annotations

import asyncio
from typing import Any, Literal

from fastapi import APIRouter, BackgroundTasks, Request, status
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError
from starlette.datastructures import UploadFile

from dreamjobsearch.api.deps import CallerDep
from dreamjobsearch.api.schemas import (
    ImportBody,
    ImportOut,
    PostingOut,
    RankBody,
    RankedPostingOut,
    RankOut,
    RejectionOut,
    RunOut,
)
from dreamjobsearch.errors import InvalidInputError
from dreamjobsearch.http_common.row_ids import PostingId
from dreamjobsearch.http_common.valid_input import CheckedRoute
from dreamjobsearch.params.update import UpdateParams
from dreamjobsearch.workspace import ImportReport

router = APIRouter(tags=["job postings"], route_class=CheckedRoute)

UPLOAD_KINDS: dict[str, Literal["json", "csv"]] = {
    "text/csv": "csv",
    "application/csv": "csv",
    "application/vnd.ms-excel": "csv",
    "application/json": "json",
}

IMPORT_BODY_DOC: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {"schema": ImportBody.model_json_schema()},
            "text/csv": {"schema": {"type": "string"}},
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "properties": {"file": {"type": "string", "format": "binary"}},
                    "required": ["file"],
                }
            },
        },
    }
}


def _report(report: ImportReport) -> ImportOut:
    return ImportOut(
        imported=report.imported,
        duplicates=report.duplicates,
        rejected=[RejectionOut(index=r.index, reason=r.reason) for r in report.rejected],
    )


async def _uploaded(request: Request) -> tuple[bytes, Literal["json", "csv"]]:
    # As a context: the upload's temporary file is closed at once, not when collected.
    async with request.form(max_files=1, max_fields=5) as form:
        upload = form.get("file")
        if not isinstance(upload, UploadFile):
            raise InvalidInputError('upload the file in a form field named "file"')
        name = (upload.filename or "").lower()
        kind: Literal["json", "csv"] | None = (
            "csv" if name.endswith(".csv") else "json" if name.endswith(".json") else None
        )
        kind = kind or UPLOAD_KINDS.get((upload.content_type or "").split(";")[0].strip())
        if kind is None:
            raise InvalidInputError("the uploaded file must be .csv or .json")
        return await upload.read(), kind


@router.post(
    "/job-postings/import",
    status_code=status.HTTP_201_CREATED,
    openapi_extra=IMPORT_BODY_DOC,
)
async def import_postings(
    request: Request, caller: CallerDep, background: BackgroundTasks
) -> ImportOut:
    """Import postings as JSON `{"postings": [...]}`, a CSV body, or a multipart upload.

    Rows are validated one by one; bad rows are listed in `rejected` with the reason and the
    rest are imported. Postings the user already has count as `duplicates`.
    """
    services = caller.services
    report = await _imported(request, caller)
    if report.imported:
        # The rankings that follow find the index holding the new postings (after the reply).
        background.add_task(services.warm_up, caller.workspace.user_id)
    return _report(report)


async def _imported(request: Request, caller: CallerDep) -> ImportReport:
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    workspace = caller.workspace
    if content_type == "multipart/form-data":
        data, kind = await _uploaded(request)
        return await workspace.import_document(data, kind)
    if content_type in ("text/csv", "application/csv"):
        return await workspace.import_document(await request.body(), "csv")
    if content_type != "application/json":
        raise InvalidInputError(
            "send application/json, text/csv or multipart/form-data with a file field"
        )
    try:
        # Parsing a large body takes a while: off the event loop.
        body = await asyncio.to_thread(ImportBody.model_validate_json, await request.body())
    except ValidationError as error:
        raise RequestValidationError(error.errors(include_url=False)) from error
    return await workspace.import_rows(body.postings)


@router.post("/job-postings", responses={404: {"description": "run_id: no such run of yours"}})
async def rank_postings(body: RankBody, caller: CallerDep) -> RankOut:
    """Your postings ranked by how many keywords they contain, optionally in one location;
    with no keywords, all of them newest first.

    `statuses` chooses which of your postings take part (default: all but rejected and
    archived); blocked companies never do. `remote`, `posted_within_days` and `has_salary`
    narrow them further; `run_id` keeps only the postings that run of yours found new.
    `sort` is `score` (best first, then newest) or `date` (newest first).
    """
    page = await caller.workspace.rank(
        body.keywords,
        body.location,
        body.limit,
        body.offset,
        body.statuses,
        body.sort,
        body.filters,
        run_id=body.run_id,
    )
    return RankOut(
        total=page.total, job_postings=[RankedPostingOut.of(item) for item in page.items]
    )


@router.get(
    "/job-postings/{posting_id}", responses={404: {"description": "not one of your postings"}}
)
async def get_posting(posting_id: PostingId, caller: CallerDep) -> PostingOut:
    """One of your postings with every stored field and every board it was found on."""
    return PostingOut.of(await caller.workspace.posting(posting_id))


@router.post(
    "/update-database",
    status_code=status.HTTP_202_ACCEPTED,
    tags=["runs"],
    responses={
        422: {"description": "invalid body, or more searches than `RUN_MAX_SEARCHES` allows"},
        429: {"description": "you have as many runs in progress as allowed"},
    },
)
async def update_database(body: UpdateParams, caller: CallerDep) -> RunOut:
    """Start an update run in the background; follow it at `/runs/{id}` and on `/logs`."""
    return RunOut.of(await caller.workspace.start_update(body))
