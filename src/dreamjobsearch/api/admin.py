"""Admin: the session monitor, and ending any session."""

from __future__ import annotations

from fastapi import APIRouter

from dreamjobsearch.api.deps import AdminDep, ServicesDep
from dreamjobsearch.api.schemas import AdminSessionOut, AdminSessionsOut, MessageOut, timestamp
from dreamjobsearch.errors import NotFoundError

router = APIRouter(prefix="/admin", tags=["admin"])


@router.get("/sessions", responses={403: {"description": "admins only"}})
async def list_sessions(_admin: AdminDep, services: ServicesDep) -> AdminSessionsOut:
    """Every live session, most recently used first, with streams and measured memory."""
    stats = await services.sessions.stats()
    return AdminSessionsOut(
        active_users=stats.active_users,
        total_sessions=stats.total_sessions,
        memory_bytes=stats.memory_bytes,
        sessions=[
            AdminSessionOut(
                sid=view.sid,
                user_id=view.user_id,
                email=view.email,
                created_at=timestamp(view.created_at),
                last_accessed=timestamp(view.last_accessed),
                expires_at=timestamp(view.expires_at),
                subscribers=view.subscribers,
                memory_bytes=view.memory_bytes,
            )
            for view in stats.sessions
        ],
    )


@router.delete(
    "/sessions/{sid}",
    responses={403: {"description": "admins only"}, 404: {"description": "no such session"}},
)
async def end_session(sid: str, _admin: AdminDep, services: ServicesDep) -> MessageOut:
    """End any session: its token is refused from now on and its streams close."""
    if not await services.sessions.close(sid):
        raise NotFoundError("no such session")
    return MessageOut(detail="session ended")
