"""Register, log in, log out, and who am I."""

from __future__ import annotations

from fastapi import APIRouter, BackgroundTasks, Request, Response, status

from dreamjobsearch.api.deps import CallerDep
from dreamjobsearch.api.schemas import (
    Credentials,
    LoginBody,
    MessageOut,
    SessionTimes,
    StatusOut,
    TokenOut,
    timestamp,
)
from dreamjobsearch.auth.service import IssuedToken
from dreamjobsearch.http_common.caller import is_admin
from dreamjobsearch.http_common.deps import ServicesDep
from dreamjobsearch.http_common.valid_input import CheckedRoute
from dreamjobsearch.sessions.devices import describe_device

router = APIRouter(tags=["auth"], route_class=CheckedRoute)

NO_STORE = {"Cache-Control": "no-store"}


def _token(issued: IssuedToken, response: Response) -> TokenOut:
    response.headers.update(NO_STORE)
    return TokenOut(
        access_token=issued.access_token, expires_at=timestamp(issued.claims.expires_at)
    )


@router.post(
    "/register",
    status_code=status.HTTP_201_CREATED,
    responses={
        409: {"description": "email taken"},
        422: {"description": "invalid email or password"},
        429: {"description": "too many sign-ups from this client address"},
    },
)
async def register(
    body: Credentials, request: Request, services: ServicesDep, response: Response
) -> TokenOut:
    """Create an account (passwords: 8 to 1024 characters) and log it in."""
    client = request.client.host if request.client else "unknown"
    device = describe_device(request.headers.get("user-agent"))
    issued = await services.auth.register(str(body.email), body.password, client, device)
    return _token(issued, response)


@router.post(
    "/login",
    responses={401: {"description": "bad credentials"}, 429: {"description": "locked out"}},
)
async def login(
    body: LoginBody,
    request: Request,
    services: ServicesDep,
    response: Response,
    background: BackgroundTasks,
) -> TokenOut:
    """Open a new session; repeated failures for an account from one client lock it out."""
    client = request.client.host if request.client else "unknown"
    device = describe_device(request.headers.get("user-agent"))
    issued = await services.auth.login(str(body.email), body.password, client, device)
    background.add_task(services.warm_up, issued.claims.user_id)
    return _token(issued, response)


@router.post("/logout")
async def logout(caller: CallerDep) -> MessageOut:
    """End this session: its token is refused afterwards and its log streams close."""
    await caller.services.auth.logout(caller.sid)
    return MessageOut(detail="logged out")


@router.get("/auth/status")
async def auth_status(caller: CallerDep) -> StatusOut:
    """The logged-in account and the times of its session (never stored by a cache, as no
    answer of the API is: `api/edge.py`)."""
    services = caller.services
    record = caller.session.record
    return StatusOut(
        email=record.email,
        is_admin=await is_admin(services, caller),
        session=SessionTimes(
            sid=record.sid,
            created_at=timestamp(record.created_at),
            last_accessed=timestamp(record.last_accessed),
            expires_at=timestamp(record.expires_at),
        ),
        workspace_initialized=caller.workspace is not None,
    )
