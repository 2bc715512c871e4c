"""Admin: the session monitor, ending any session, and disabling or deleting accounts."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel

from dreamjobsearch.api.deps import AdminDep, Caller
from dreamjobsearch.api.schemas import (
    AdminSessionOut,
    AdminSessionsOut,
    AdminWorkspaceOut,
    MessageOut,
    timestamp,
)
from dreamjobsearch.errors import ConflictError, NotFoundError
from dreamjobsearch.http_common.row_ids import UserId
from dreamjobsearch.http_common.valid_input import CheckedRoute

router = APIRouter(prefix="/admin", tags=["admin"], route_class=CheckedRoute)

USER_RESPONSES: dict[int | str, dict[str, Any]] = {
    403: {"description": "admins only"},
    404: {"description": "no such user"},
    409: {"description": "your own account"},
}


@router.get("/sessions", responses={403: {"description": "admins only"}})
async def list_sessions(admin: AdminDep) -> AdminSessionsOut:
    """Every live session, most recently used first, with streams and measured memory; each
    user's workspace in this process with its measured memory, the total and the budget."""
    services = admin.services
    stats = await services.sessions.stats()
    pool = services.workspaces.usage()
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
                device=view.device,
                subscribers=view.subscribers,
                memory_bytes=view.memory_bytes,
            )
            for view in stats.sessions
        ],
        workspaces=[
            AdminWorkspaceOut(
                user_id=held.user_id,
                email=held.email,
                sessions=held.sessions,
                memory_bytes=held.memory_bytes,
            )
            for held in pool.workspaces
        ],
        workspace_memory_bytes=pool.memory_bytes,
        workspace_budget_bytes=pool.budget_bytes,
    )


@router.delete(
    "/sessions/{sid}",
    responses={403: {"description": "admins only"}, 404: {"description": "no such session"}},
)
async def end_session(sid: str, admin: AdminDep) -> MessageOut:
    """End any session: its token is refused from now on and its streams close."""
    services = admin.services
    if not await services.sessions.close(sid):
        raise NotFoundError("no such session")
    return MessageOut(detail="session ended")


class AdminUserOut(BaseModel):
    """An account, as an admin sees it."""

    id: int
    email: str
    is_active: bool
    created_at: datetime


class UserEndedOut(BaseModel):
    """What happened to the account, and how many of its sessions ended."""

    detail: str
    ended_sessions: int


@router.get("/users", responses={403: {"description": "admins only"}})
async def list_users(
    admin: AdminDep,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> list[AdminUserOut]:
    """Accounts, by id."""
    services = admin.services
    return [
        AdminUserOut(id=u.id, email=u.email, is_active=u.is_active, created_at=u.created_at)
        for u in await services.users.page(limit, offset)
    ]


def _not_yourself(admin: Caller, user_id: int) -> None:
    if admin.user_id == user_id:
        raise ConflictError("not on your own account: another admin has to do it")


@router.post("/users/{user_id}/disable", responses=USER_RESPONSES)
async def disable_user(user_id: UserId, admin: AdminDep) -> UserEndedOut:
    """Disable an account: it cannot log in, and every session of it ends at once."""
    services = admin.services
    _not_yourself(admin, user_id)
    ended = await services.auth.set_active(user_id, active=False)
    return UserEndedOut(detail="user disabled", ended_sessions=ended)


@router.post("/users/{user_id}/enable", responses=USER_RESPONSES)
async def enable_user(user_id: UserId, admin: AdminDep) -> UserEndedOut:
    """Let a disabled account log in again."""
    services = admin.services
    await services.auth.set_active(user_id, active=True)
    return UserEndedOut(detail="user enabled", ended_sessions=0)


@router.delete("/users/{user_id}", responses=USER_RESPONSES)
async def delete_user(user_id: UserId, admin: AdminDep) -> UserEndedOut:
    """Delete an account, its postings links, runs, secrets and files; its sessions end at
    once."""
    services = admin.services
    _not_yourself(admin, user_id)
    ended = await services.auth.delete_account(user_id)
    # Ids can be reused (SQLite), so a deleted account's files must not stay for the next.
    await services.workspace_services.files.remove_all(user_id)
    return UserEndedOut(detail="user deleted", ended_sessions=ended)
