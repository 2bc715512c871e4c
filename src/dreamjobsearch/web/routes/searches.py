"""Searches (the home page): start an update run, watch it live, cancel it, see past runs
and run one again."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from sse_starlette import EventSourceResponse
from starlette.responses import RedirectResponse, Response

from dreamjobsearch.http_common.deps import ServicesDep
from dreamjobsearch.http_common.log_stream import log_stream
from dreamjobsearch.storage.models import Run
from dreamjobsearch.storage.runs import ACTIVE_STATES
from dreamjobsearch.web.routing import WebRoute
from dreamjobsearch.web.search_form import DEFAULT_JOBS_PER_SEARCH, SearchForm, SearchFormError
from dreamjobsearch.web.templating import is_htmx, render
from dreamjobsearch.web.viewer import VerifiedViewerDep, Viewer, ViewerDep
from dreamjobsearch.web.views import RunView

router = APIRouter(route_class=WebRoute, include_in_schema=False)

RECENT_RUNS = 10
RUN_ID_LENGTH = 32

FormText = Annotated[str, Form(max_length=20_000)]
# The user's files ticked as sources (the checkbox `files`, repeated).
FileNames = Annotated[list[str] | None, Form()]


def _pick(runs: list[Run], wanted: str | None) -> Run | None:
    """The run to show live: the one asked for, else the newest active, else the newest."""
    if wanted:
        return next((run for run in runs if run.id == wanted), None)
    return next((run for run in runs if run.status in ACTIVE_STATES), runs[0] if runs else None)


async def _page(
    request: Request,
    viewer: Viewer,
    form: SearchForm | None = None,
    wanted: str | None = None,
    status_code: int = 200,
) -> Response:
    runs = await viewer.workspace.runs()
    shown = _pick(runs, wanted)
    if wanted and shown is None:
        # Not among the newest: ask for it (NotFoundError for someone else's run).
        shown = await viewer.workspace.run(wanted)
    if form is None:
        form = SearchForm.from_params(runs[0].params) if runs else SearchForm()
    context: dict[str, Any] = {
        "viewer": viewer,
        "csrf_token": viewer.csrf_token,
        "form": form,
        "files": await viewer.workspace.files(),
        "run": RunView.of(shown) if shown else None,
        "runs": [RunView.of(run) for run in runs[:RECENT_RUNS]],
    }
    return render(request, "searches.html", context, status_code=status_code)


@router.get("/")
async def searches_page(request: Request, viewer: ViewerDep, run: str | None = None) -> Response:
    """The search form, the live panel of a run, and the recent runs."""
    wanted = run[:RUN_ID_LENGTH] if run else None
    return await _page(request, viewer, wanted=wanted)


async def search_form(
    queries: FormText = "",
    locations: FormText = "",
    linkedin: FormText = "",
    arbeitnow: FormText = "",
    boards: FormText = "",
    published_after: FormText = "",
    max_jobs_per_search: FormText = DEFAULT_JOBS_PER_SEARCH,
    files: FileNames = None,
) -> SearchForm:
    """The search fields of a posted form (the search page's and the saved-search page's),
    as typed."""
    return SearchForm(
        queries=queries,
        locations=locations,
        linkedin=bool(linkedin),
        arbeitnow=bool(arbeitnow),
        boards=boards,
        published_after=published_after,
        max_jobs_per_search=max_jobs_per_search,
        files=tuple(files or ()),
    )


SearchFormDep = Annotated[SearchForm, Depends(search_form)]


@router.post("/web/searches")
async def start_search(
    request: Request, viewer: VerifiedViewerDep, form: SearchFormDep
) -> Response:
    """Start an update run from the form; htmx gets the run's live panel."""
    try:
        params = form.to_params()
    except SearchFormError as error:
        invalid = form.with_problems(error.problems)
        if is_htmx(request):
            return render(
                request,
                "fragments/search_form.html",
                {
                    "form": invalid,
                    "files": await viewer.workspace.files(),
                    "csrf_token": viewer.csrf_token,
                },
                status_code=400,
                headers={"HX-Retarget": "#search-form", "HX-Reswap": "outerHTML"},
            )
        return await _page(request, viewer, form=invalid, status_code=400)
    run = await viewer.workspace.start_update(params)
    return await _started(request, viewer, run)


@router.post("/web/runs/{run_id}/again")
async def run_again(request: Request, run_id: str, viewer: VerifiedViewerDep) -> Response:
    """Start a run with the same parameters as one of the viewer's runs."""
    run = await viewer.workspace.run_again(run_id)
    return await _started(request, viewer, run)


async def _started(request: Request, viewer: Viewer, run: Run) -> Response:
    """A run just started: the page shows it (htmx: its panel and the recent runs, and the
    problems of an earlier attempt go)."""
    if not is_htmx(request):
        return RedirectResponse(f"/?run={run.id}", status_code=303)
    return await _run_fragments(request, viewer, run, started=True)


async def _run_fragments(
    request: Request, viewer: Viewer, run: Run, *, started: bool = False
) -> Response:
    """The run's panel, and the recent runs swapped out of band; when the run has just
    `started`, the form's problems and the alerts are cleared."""
    runs = await viewer.workspace.runs()
    return render(
        request,
        "fragments/run_started.html",
        {
            "run": RunView.of(run),
            "runs": [RunView.of(item) for item in runs[:RECENT_RUNS]],
            "csrf_token": viewer.csrf_token,
            "started": started,
        },
    )


@router.get("/web/runs/{run_id}/panel")
async def run_panel(request: Request, run_id: str, viewer: ViewerDep) -> Response:
    """One of the viewer's runs as the live panel shows it."""
    run = await viewer.workspace.run(run_id)
    return render(
        request,
        "fragments/run_panel.html",
        {"run": RunView.of(run), "csrf_token": viewer.csrf_token},
    )


@router.get("/web/runs")
async def recent_runs(request: Request, viewer: ViewerDep) -> Response:
    """The viewer's recent runs (the table refreshes when a run finishes)."""
    runs = await viewer.workspace.runs()
    return render(
        request,
        "fragments/runs_table.html",
        {"runs": [RunView.of(run) for run in runs[:RECENT_RUNS]], "csrf_token": viewer.csrf_token},
    )


@router.post("/web/runs/{run_id}/cancel")
async def cancel_run(request: Request, run_id: str, viewer: VerifiedViewerDep) -> Response:
    """Stop one of the viewer's runs (someone else's is 404, a finished one 409)."""
    run = await viewer.workspace.cancel_run(run_id)
    if not is_htmx(request):
        return RedirectResponse(f"/?run={run.id}", status_code=303)
    return await _run_fragments(request, viewer, run)


@router.get("/web/logs")
async def log_events(viewer: ViewerDep, services: ServicesDep) -> EventSourceResponse:
    """The live panel's stream of the viewer's events, opened with the page's own session
    cookie (the same checks as every page), so it works on whichever process answers."""
    return log_stream(services, viewer.session)
