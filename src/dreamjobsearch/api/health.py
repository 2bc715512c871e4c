"""Liveness and dependency reachability."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from dreamjobsearch.api.deps import ServicesDep
from dreamjobsearch.api.schemas import HealthOut

router = APIRouter(tags=["health"])


@router.get("/healthz", responses={503: {"model": HealthOut}})
async def healthz(services: ServicesDep) -> JSONResponse:
    """200 when the database answers, 503 (with the same body) when it does not."""
    database_ok = await services.database_ok()
    body = HealthOut(
        status="ok" if database_ok else "degraded",
        database="ok" if database_ok else "unavailable",
        session_store=services.settings.session_store.value,
    )
    return JSONResponse(body.model_dump(), status_code=200 if database_ok else 503)
