"""Live logs: a Server-Sent Events stream of the caller's events."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from sse_starlette import EventSourceResponse

from dreamjobsearch.api.deps import CallerDep
from dreamjobsearch.api.schemas import TicketOut
from dreamjobsearch.errors import NotAuthenticatedError
from dreamjobsearch.http_common.caller import authenticate
from dreamjobsearch.http_common.deps import ServicesDep
from dreamjobsearch.http_common.log_stream import log_stream
from dreamjobsearch.http_common.transports import BearerTokenDep
from dreamjobsearch.http_common.valid_input import CheckedRoute
from dreamjobsearch.services import Services
from dreamjobsearch.sessions.manager import ActiveSession
from dreamjobsearch.workspace import Workspace

router = APIRouter(tags=["logs"], route_class=CheckedRoute)


@router.post("/logs/ticket")
async def log_ticket(caller: CallerDep) -> TicketOut:
    """A single-use ticket, valid briefly, for opening a stream where headers cannot be set.

    Any server process accepts it (tickets live in Redis, or the database, when configured),
    once, while the session that asked for it is still open.
    """
    services = caller.services
    ticket = await services.tickets.issue(caller.session.key)
    return TicketOut(ticket=ticket, expires_in=services.tickets.ttl)


async def _stream_session(
    services: Services, ticket: str | None, token: str | None
) -> ActiveSession[Workspace]:
    if ticket:
        session = await services.tickets.redeem(ticket)
        if session is None:
            raise NotAuthenticatedError("invalid, used or expired ticket")
        return session
    if token is None:
        raise NotAuthenticatedError("send a Bearer token or a ?ticket= from POST /logs/ticket")
    return (await authenticate(services, token)).session


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
    token: BearerTokenDep,
    ticket: Annotated[str | None, Query(max_length=128)] = None,
) -> EventSourceResponse:
    """Your events as they happen (JSON in each `data:`), with heartbeat comments.

    Every open stream of yours receives every event of yours. A stream that falls behind
    loses its oldest events and is told how many. Logging out ends the stream (on another
    server process: within one heartbeat interval). A session, a user and the server may
    each hold only so many open streams; one more is refused with 429 and `Retry-After`.
    """
    return log_stream(services, await _stream_session(services, ticket, token))
