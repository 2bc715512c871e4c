"""Liveness and dependency reachability."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from dreamjobsearch.api.schemas import HealthOut
from dreamjobsearch.http_common.deps import ServicesDep
from dreamjobsearch.http_common.valid_input import CheckedRoute

router = APIRouter(tags=["health"], route_class=CheckedRoute)


@router.get("/healthz", responses={503: {"model": HealthOut}})
async def healthz(services: ServicesDep) -> JSONResponse:
    """200 when the database (and Redis, when used) answer; 503 with the same body if not."""
    database_ok = await services.database_ok()
    redis_ok = await services.redis_ok()
    healthy = database_ok and redis_ok is not False
    body = HealthOut(
        status="ok" if healthy else "degraded",
        database="ok" if database_ok else "unavailable",
        redis="unused" if redis_ok is None else "ok" if redis_ok else "unavailable",
        session_store=services.settings.session_store.value,
    )
    return JSONResponse(body.model_dump(), status_code=200 if healthy else 503)
