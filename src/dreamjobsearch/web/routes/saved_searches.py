"""Saved searches: save one from a form, see when each runs, run one now, turn its email on
or off, edit or delete it. Plain forms with redirects (htmx not needed)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from starlette.responses import RedirectResponse, Response

from dreamjobsearch.http_common.deps import ServicesDep
from dreamjobsearch.http_common.row_ids import MAX_ROW_ID, SavedSearchId
from dreamjobsearch.saved_searches.service import spec_of
from dreamjobsearch.services import Services
from dreamjobsearch.web.routes.searches import SearchFormDep
from dreamjobsearch.web.routing import WebRoute
from dreamjobsearch.web.saved_search_form import SavedSearchForm
from dreamjobsearch.web.search_form import SearchFormError
from dreamjobsearch.web.templating import render
from dreamjobsearch.web.viewer import VerifiedViewerDep, Viewer, ViewerDep
from dreamjobsearch.web.views import SavedSearchView

router = APIRouter(route_class=WebRoute, include_in_schema=False)

PAGE = "/saved"
FormText = Annotated[str, Form(max_length=20_000)]
NOTICES = {
    "saved": "Saved. Its first run has started.",
    "edited": "Saved.",
    "deleted": "Saved search deleted; its runs and alerts stay.",
    "email-on": "Emails on: each run with new matches sends you one.",
    "email-off": "Emails off: new matches still show under Alerts.",
}


async def _page(
    request: Request,
    viewer: Viewer,
    services: Services,
    form: SavedSearchForm | None = None,
    editing: int | None = None,
    notice: str | None = None,
    status_code: int = 200,
) -> Response:
    searches = await services.saved_searches.list(viewer.user_id)
    if form is None and editing is not None:
        form = SavedSearchForm.of(
            spec_of(await services.saved_searches.get(viewer.user_id, editing))
        )
    context: dict[str, Any] = {
        "viewer": viewer,
        "csrf_token": viewer.csrf_token,
        "searches": [SavedSearchView.of(search) for search in searches],
        "form": form or SavedSearchForm(),
        "editing": editing,
        "files": await viewer.workspace.files(),
        "mail": services.settings.smtp_url is not None,
        "limit": services.saved_searches.limits.max_per_user,
        "notice": NOTICES.get(notice or ""),
    }
    return render(request, "saved_searches.html", context, status_code=status_code)


@router.get(PAGE)
async def saved_searches_page(
    request: Request,
    viewer: ViewerDep,
    services: ServicesDep,
    edit: Annotated[int | None, Query(ge=1, le=MAX_ROW_ID)] = None,
    done: str | None = None,
) -> Response:
    """The viewer's saved searches and the form to save one (or edit one, `?edit=ID`)."""
    return await _page(request, viewer, services, editing=edit, notice=done)


@router.post("/web/saved-searches")
async def save_search(
    request: Request,
    viewer: VerifiedViewerDep,
    services: ServicesDep,
    search: SearchFormDep,
    name: FormText = "",
    keywords: FormText = "",
    location: FormText = "",
    min_score: FormText = "1",
    schedule: FormText = "daily",
    daily_at: FormText = "08:00",
    time_zone: FormText = "",
    every_hours: FormText = "24",
    email: FormText = "",
    search_id: Annotated[int | None, Form(ge=1, le=MAX_ROW_ID)] = None,
) -> Response:
    """Save a new search (it runs at once), or the edited one `search_id`."""
    form = SavedSearchForm(
        search=search,
        name=name,
        keywords=keywords,
        location=location,
        min_score=min_score,
        schedule=schedule,
        daily_at=daily_at,
        time_zone=time_zone,
        every_hours=every_hours,
        email=bool(email),
    )
    try:
        spec = form.to_spec()
    except SearchFormError as error:
        return await _page(
            request,
            viewer,
            services,
            form=form.with_problems(error.problems),
            editing=search_id,
            status_code=400,
        )
    if search_id is not None:
        await services.saved_searches.update(viewer.user_id, search_id, spec.model_dump())
        return RedirectResponse(f"{PAGE}?done=edited", status_code=303)
    await services.saved_searches.create(viewer.user_id, spec)
    return RedirectResponse(f"{PAGE}?done=saved", status_code=303)


@router.post("/web/saved-searches/{search_id}/run")
async def run_saved_search(
    search_id: SavedSearchId, viewer: VerifiedViewerDep, services: ServicesDep
) -> Response:
    """Run one now; its live progress shows on the Searches page."""
    run = await services.saved_searches.run_now(viewer.user_id, search_id)
    return RedirectResponse(f"/?run={run.id}", status_code=303)


@router.post("/web/saved-searches/{search_id}/email")
async def set_email(
    search_id: SavedSearchId,
    viewer: VerifiedViewerDep,
    services: ServicesDep,
    email: FormText = "",
) -> Response:
    """Turn the search's alert email on (`email=on`) or off."""
    wanted = email == "on"
    await services.saved_searches.update(viewer.user_id, search_id, {"email": wanted})
    return RedirectResponse(f"{PAGE}?done=email-{'on' if wanted else 'off'}", status_code=303)


@router.post("/web/saved-searches/{search_id}/delete")
async def delete_saved_search(
    search_id: SavedSearchId, viewer: VerifiedViewerDep, services: ServicesDep
) -> Response:
    """Delete one of the viewer's saved searches."""
    await services.saved_searches.delete(viewer.user_id, search_id)
    return RedirectResponse(f"{PAGE}?done=deleted", status_code=303)
