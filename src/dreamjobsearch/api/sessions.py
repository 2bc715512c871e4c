"""A user's own sessions: see where they are logged in, end any of them."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel

from dreamjobsearch.api.deps import CallerDep
from dreamjobsearch.api.schemas import MessageOut, SessionTimes, timestamp
from dreamjobsearch.errors import NotFoundError
from dreamjobsearch.http_common.valid_input import CheckedRoute

router = APIRouter(prefix="/sessions", tags=["sessions"], route_class=CheckedRoute)


class OwnSessionOut(SessionTimes):
    """One of the caller's sessions; `current` marks the one making this request, `device`
    says what it was opened from (from its User-Agent: "Firefox on Linux")."""

    device: str
    current: bool


class EndedOut(BaseModel):
    """How many sessions were ended."""

    ended: int


@router.get("")
async def list_own_sessions(caller: CallerDep) -> list[OwnSessionOut]:
    """Your live sessions, most recently used first."""
    services = caller.services
    records = await services.sessions.sessions_of(caller.user_id)
    return [
        OwnSessionOut(
            sid=record.sid,
            created_at=timestamp(record.created_at),
            last_accessed=timestamp(record.last_accessed),
            expires_at=timestamp(record.expires_at),
            device=record.device,
            current=record.sid == caller.claims.sid,
        )
        for record in records
    ]


@router.delete("/{sid}", responses={404: {"description": "no such session of yours"}})
async def end_own_session(sid: str, caller: CallerDep) -> MessageOut:
    """End one of your sessions (its token stops working, its streams close)."""
    services = caller.services
    if not await services.sessions.close_own(caller.user_id, sid):
        raise NotFoundError("no such session of yours")
    return MessageOut(detail="session ended")


@router.post("/logout-others")
async def logout_others(caller: CallerDep) -> EndedOut:
    """End every session of yours except this one."""
    services = caller.services
    ended = await services.sessions.close_others(caller.user_id, caller.claims.sid)
    return EndedOut(ended=ended)
