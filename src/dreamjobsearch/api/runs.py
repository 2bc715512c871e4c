"""The caller's update runs."""

from __future__ import annotations

from fastapi import APIRouter

from dreamjobsearch.api.deps import CallerDep
from dreamjobsearch.api.schemas import RunOut
from dreamjobsearch.http_common.valid_input import CheckedRoute

router = APIRouter(tags=["runs"], route_class=CheckedRoute)


@router.get("/runs")
async def list_runs(caller: CallerDep) -> list[RunOut]:
    """Your runs, newest first."""
    return [RunOut.of(run) for run in await caller.workspace.runs()]


@router.get("/runs/{run_id}", responses={404: {"description": "no such run of yours"}})
async def get_run(run_id: str, caller: CallerDep) -> RunOut:
    """One of your runs."""
    return RunOut.of(await caller.workspace.run(run_id))


@router.post(
    "/runs/{run_id}/cancel",
    responses={404: {"description": "no such run of yours"}, 409: {"description": "finished"}},
)
async def cancel_run(run_id: str, caller: CallerDep) -> RunOut:
    """Stop one of your queued or running runs."""
    return RunOut.of(await caller.workspace.cancel_run(run_id))
