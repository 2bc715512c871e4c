"""The caller's saved searches: kept, edited, run by hand; they also run on their schedule."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response, status
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError

from dreamjobsearch.api.deps import CallerDep
from dreamjobsearch.api.saved_search_schemas import SavedSearchOut, SavedSearchPatch
from dreamjobsearch.api.schemas import RunOut
from dreamjobsearch.http_common.row_ids import SavedSearchId
from dreamjobsearch.http_common.valid_input import CheckedRoute
from dreamjobsearch.params.saved_searches import SavedSearchSpec

router = APIRouter(prefix="/saved-searches", tags=["saved searches"], route_class=CheckedRoute)

NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"description": "no such saved search of yours"}}


@router.get("")
async def list_saved_searches(caller: CallerDep) -> list[SavedSearchOut]:
    """Your saved searches, in the order you saved them."""
    services = caller.services
    searches = await services.saved_searches.list(caller.user_id)
    return [SavedSearchOut.of(search) for search in searches]


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    responses={
        422: {"description": "invalid search or schedule"},
        429: {"description": "you have as many saved searches as allowed"},
    },
)
async def create_saved_search(body: SavedSearchSpec, caller: CallerDep) -> SavedSearchOut:
    """Save a search; it runs once now (`last_run_id`), then on its schedule. If its first
    run could not start (e.g. too many runs going), `last_error` says why."""
    services = caller.services
    search = await services.saved_searches.create(caller.user_id, body)
    return SavedSearchOut.of(search)


@router.get("/{search_id}", responses=NOT_FOUND)
async def get_saved_search(search_id: SavedSearchId, caller: CallerDep) -> SavedSearchOut:
    """One of your saved searches."""
    services = caller.services
    return SavedSearchOut.of(await services.saved_searches.get(caller.user_id, search_id))


@router.patch("/{search_id}", responses={**NOT_FOUND, 422: {"description": "invalid edit"}})
async def edit_saved_search(
    search_id: SavedSearchId, body: SavedSearchPatch, caller: CallerDep
) -> SavedSearchOut:
    """Change some fields of a saved search; a new schedule counts from now."""
    services = caller.services
    try:
        search = await services.saved_searches.update(caller.user_id, search_id, body.changes())
    except ValidationError as error:
        raise RequestValidationError(
            [
                {**detail, "loc": ("body", *detail["loc"])}
                for detail in error.errors(include_url=False)
            ]
        ) from error
    return SavedSearchOut.of(search)


@router.delete("/{search_id}", status_code=204, responses=NOT_FOUND)
async def delete_saved_search(search_id: SavedSearchId, caller: CallerDep) -> Response:
    """Delete a saved search; its past runs and alerts stay."""
    services = caller.services
    await services.saved_searches.delete(caller.user_id, search_id)
    return Response(status_code=204)


@router.post(
    "/{search_id}/run",
    status_code=status.HTTP_202_ACCEPTED,
    responses={
        **NOT_FOUND,
        429: {"description": "it ran moments ago, or you have as many runs going as allowed"},
    },
)
async def run_saved_search(search_id: SavedSearchId, caller: CallerDep) -> RunOut:
    """Run a saved search now; its schedule stays as it is."""
    services = caller.services
    return RunOut.of(await services.saved_searches.run_now(caller.user_id, search_id))
