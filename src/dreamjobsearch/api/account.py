"""The caller's own account: change the password (which ends every other session)."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, Field

from dreamjobsearch.api.deps import CallerDep
from dreamjobsearch.api.schemas import StrictBody
from dreamjobsearch.auth.password_policy import MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH
from dreamjobsearch.http_common.valid_input import CheckedRoute

router = APIRouter(prefix="/me", tags=["account"], route_class=CheckedRoute)


class PasswordChangeIn(StrictBody):
    """The current password, and the new one (8 to 1024 characters)."""

    current_password: str = Field(min_length=1, max_length=MAX_PASSWORD_LENGTH)
    new_password: str = Field(min_length=MIN_PASSWORD_LENGTH, max_length=MAX_PASSWORD_LENGTH)


class PasswordChangedOut(BaseModel):
    """The password changed; this many other sessions were ended."""

    detail: str
    ended_sessions: int


@router.post(
    "/password",
    responses={403: {"description": "wrong current password"}, 429: {"description": "locked out"}},
)
async def change_password(
    body: PasswordChangeIn,
    caller: CallerDep,
    request: Request,
    response: Response,
) -> PasswordChangedOut:
    """Change your password. Every other session of yours ends; this one stays."""
    services = caller.services
    response.headers["Cache-Control"] = "no-store"
    client = request.client.host if request.client else "unknown"
    ended = await services.auth.change_password(
        caller.user_id, caller.claims.sid, body.current_password, body.new_password, client
    )
    return PasswordChangedOut(detail="password changed", ended_sessions=ended)
