"""Live logs: a Server-Sent Events stream of the caller's events."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from fastapi.security import HTTPAuthorizationCredentials
from sse_starlette import EventSourceResponse
from starlette.background import BackgroundTask

from dreamjobsearch.api.deps import CallerDep, bearer
from dreamjobsearch.api.schemas import TicketOut
from dreamjobsearch.errors import NotAuthenticatedError
from dreamjobsearch.http_common.deps import ServicesDep
from dreamjobsearch.services import Services
from dreamjobsearch.sessions.manager import ActiveSession
from dreamjobsearch.workspace import Workspace

router = APIRouter(tags=["logs"])


@router.post("/logs/ticket")
async def log_ticket(caller: CallerDep, services: ServicesDep) -> TicketOut:
    """A single-use ticket, valid briefly, for opening a stream where headers cannot be set."""
    ticket = services.sessions.issue_ticket(caller.session.key)
    return TicketOut(ticket=ticket, expires_in=services.settings.log_ticket_ttl)


async def _stream_session(
    services: Services, ticket: str | None, credentials: HTTPAuthorizationCredentials | None
) -> ActiveSession[Workspace]:
    if ticket:
        session = await services.sessions.redeem_ticket(ticket)
        if session is None:
            raise NotAuthenticatedError("invalid, used or expired ticket")
        return session
    if credentials is None:
        raise NotAuthenticatedError("send a Bearer token or a ?ticket= from POST /logs/ticket")
    _claims, session = await services.auth.authenticate(credentials.credentials)
    return session


@router.get(
    "/logs",
    response_class=EventSourceResponse,
    responses={
        200: {"content": {"text/event-stream": {}}},
        401: {"description": "no session"},
        429: {"description": "too many open streams (per session, user or server)"},
    },
)
async def logs(
    services: ServicesDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
    ticket: Annotated[str | None, Query(max_length=128)] = None,
) -> EventSourceResponse:
    """Your events as they happen (JSON in each `data:`), with heartbeat comments.

    Every open stream of yours receives every event of yours. A stream that falls behind
    loses its oldest events and is told how many. Logging out ends the stream (on another
    server process: within one heartbeat interval). A session, a user and the server may
    each hold only so many open streams; one more is refused with 429 and `Retry-After`.
    """
    session = await _stream_session(services, ticket, credentials)
    key = session.key
    slot = services.stream_slots.take(key.sid, key.user_id)
    subscription = services.sessions.subscribe(key)

    def close() -> None:
        # Called when the events end and again after the response ends: a client that
        # leaves before the first event never starts `events`, and must not keep its slot.
        services.sessions.unsubscribe(key.sid, subscription)
        slot.release()

    async def closed() -> None:
        close()

    recheck = services.settings.log_heartbeat_interval

    async def events() -> AsyncIterator[dict[str, Any]]:
        try:
            while True:
                try:
                    event = await asyncio.wait_for(subscription.get(), recheck)
                except TimeoutError:
                    # Quiet for a while: make sure the session was not ended elsewhere
                    # (a logout on another server process closes no stream here).
                    if await services.sessions.is_alive(key):
                        continue
                    break
                if event is None:
                    break
                yield {"data": json.dumps(event.to_dict())}
        finally:
            close()

    return EventSourceResponse(
        events(),
        ping=services.settings.log_heartbeat_interval,
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
        background=BackgroundTask(closed),
    )
