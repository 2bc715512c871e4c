"""The caller's alerts: postings new to them that matched a saved search."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from dreamjobsearch.api.deps import CallerDep
from dreamjobsearch.api.saved_search_schemas import AlertOut, AlertsOut, MarkedOut, MarkReadBody
from dreamjobsearch.http_common.valid_input import CheckedRoute

router = APIRouter(prefix="/alerts", tags=["saved searches"], route_class=CheckedRoute)


@router.get("")
async def list_alerts(
    caller: CallerDep,
    run_id: Annotated[str | None, Query(max_length=32, description="one run's alerts")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> AlertsOut:
    """Your alerts, newest first, with the count of unread ones (the header's badge)."""
    services = caller.services
    page = await services.alerts.page(caller.user_id, limit, run_id)
    return AlertsOut(unread=page.unread, alerts=[AlertOut.of(alert) for alert in page.alerts])


@router.post("/read")
async def mark_alerts_read(body: MarkReadBody, caller: CallerDep) -> MarkedOut:
    """Mark alerts read: those listed in `ids`, or all of them."""
    services = caller.services
    marked = await services.alerts.mark_read(caller.user_id, body.ids)
    return MarkedOut(marked=marked, unread=await services.alerts.unread_count(caller.user_id))
