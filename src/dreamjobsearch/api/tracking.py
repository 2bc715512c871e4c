"""Tracking your job search: statuses and notes, the board, exports, saved lists, visits."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Response, status

from dreamjobsearch.api.deps import CallerDep
from dreamjobsearch.api.schemas import (
    MAX_OFFSET,
    BoardColumnOut,
    BoardOut,
    CompaniesBody,
    CompaniesOut,
    CompanyBody,
    KeywordsBody,
    KeywordsOut,
    SeenOut,
    TrackBody,
    TrackedPostingOut,
)
from dreamjobsearch.domain.filters import MAX_POSTED_WITHIN_DAYS, PostingFilters
from dreamjobsearch.domain.tracking import MAX_COMPANY_LENGTH, Status
from dreamjobsearch.http_common.row_ids import PostingId
from dreamjobsearch.http_common.valid_input import CheckedRoute
from dreamjobsearch.search.selection import Sort
from dreamjobsearch.workspace import MAX_BOARD_ITEMS

router = APIRouter(route_class=CheckedRoute)

StatusesQuery = Annotated[
    list[Status] | None,
    Query(alias="status", description="repeat to show several; default: all but finished"),
]
NOT_YOURS: dict[int | str, dict[str, Any]] = {404: {"description": "not one of your postings"}}


@router.get("/job-postings/board", tags=["job postings"])
async def board(
    caller: CallerDep,
    statuses: StatusesQuery = None,
    limit: Annotated[int, Query(ge=1, le=MAX_BOARD_ITEMS)] = 20,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
) -> BoardOut:
    """Your jobs by status: each status's count and its most recently found jobs (`limit`
    from `offset`, to page through one column). A job found on several boards is one item
    listing every board's link (they share status and note); the companies you hid are
    left out."""
    columns = await caller.workspace.board(statuses, limit, offset)
    return BoardOut(columns=[BoardColumnOut.of(column) for column in columns])


@router.get(
    "/job-postings/export",
    tags=["job postings"],
    response_class=Response,
    responses={
        200: {"content": {"text/csv": {}, "application/json": {}}},
        404: {"description": "run_id: no such run of yours"},
    },
)
async def export(
    caller: CallerDep,
    keywords: Annotated[list[str] | None, Query(max_length=100)] = None,
    kind: Annotated[Literal["csv", "json"], Query(alias="format")] = "csv",
    location: Annotated[str | None, Query(max_length=200)] = None,
    statuses: StatusesQuery = None,
    sort: Sort = "score",
    remote: bool = False,
    posted_within_days: Annotated[int | None, Query(ge=1, le=MAX_POSTED_WITHIN_DAYS)] = None,
    has_salary: bool = False,
    run_id: Annotated[
        str | None,
        Query(max_length=64, description="only the postings this run of yours found new"),
    ] = None,
) -> Response:
    """The ranked view (every page of it) as a file to download: CSV with a header row, or
    a JSON list of the results as `POST /job-postings` shapes them. The filters are those
    of `POST /job-postings`, `run_id` included; no keywords exports every posting they
    keep, newest first."""
    filters = PostingFilters(remote, posted_within_days, has_salary)
    exported = await caller.workspace.export(
        kind, keywords or [], location, statuses, sort, filters, run_id
    )
    return Response(
        exported.content,
        media_type=exported.media_type,
        headers={"Content-Disposition": f'attachment; filename="{exported.filename}"'},
    )


@router.post("/job-postings/seen", tags=["job postings"])
async def mark_seen(caller: CallerDep) -> SeenOut:
    """Record a visit to your results: postings found until now stop being `is_new`."""
    return SeenOut.of(await caller.workspace.mark_seen())


@router.patch("/job-postings/{posting_id}", tags=["job postings"], responses=NOT_YOURS)
async def track(posting_id: PostingId, body: TrackBody, caller: CallerDep) -> TrackedPostingOut:
    """Set the status and/or note of one of your postings (and of the same job on other
    boards: it is one result in rankings)."""
    tracked = await caller.workspace.track(posting_id, body.status, body.note)
    return TrackedPostingOut.of(tracked)


@router.get("/me/keywords", tags=["saved lists"])
async def saved_keywords(caller: CallerDep) -> KeywordsOut:
    """Your saved keywords and location (null: anywhere)."""
    return KeywordsOut.of(await caller.workspace.saved_keywords())


@router.put("/me/keywords", tags=["saved lists"])
async def save_keywords(body: KeywordsBody, caller: CallerDep) -> KeywordsOut:
    """Replace your saved keywords (trimmed, repeats dropped ignoring case) and, when the
    body has one, your saved location (trimmed; `""` or null clears it)."""
    saved = await caller.workspace.save_keywords(body.keywords, body.location_change)
    return KeywordsOut.of(saved)


@router.get("/me/blocked-companies", tags=["saved lists"])
async def blocked_companies(caller: CallerDep) -> CompaniesOut:
    """The companies you blocked."""
    return CompaniesOut(companies=await caller.workspace.blocked_companies())


@router.put("/me/blocked-companies", tags=["saved lists"])
async def block_companies(body: CompaniesBody, caller: CallerDep) -> CompaniesOut:
    """Replace your block list: these companies (any case) leave rankings and exports."""
    return CompaniesOut(companies=await caller.workspace.block_companies(body.companies))


@router.post("/me/blocked-companies", tags=["saved lists"], status_code=status.HTTP_201_CREATED)
async def block_company(body: CompanyBody, caller: CallerDep) -> CompaniesOut:
    """Add one company to your block list; the list as it is now."""
    return CompaniesOut(companies=await caller.workspace.block_company(body.company))


@router.delete(
    "/me/blocked-companies/{company:path}",
    tags=["saved lists"],
    responses={404: {"description": "that company is not blocked"}},
)
async def unblock_company(
    company: Annotated[str, Path(max_length=MAX_COMPANY_LENGTH)], caller: CallerDep
) -> CompaniesOut:
    """Take one company off your block list (any case); the list as it is now."""
    return CompaniesOut(companies=await caller.workspace.unblock_company(company))
