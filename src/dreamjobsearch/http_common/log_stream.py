"""The live log stream of a session (Server-Sent Events), shared by the API's `GET /logs`
(Bearer token or ticket) and the pages' `GET /web/logs` (session cookie)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

from sse_starlette import EventSourceResponse
from starlette.background import BackgroundTask

from dreamjobsearch.services import Services
from dreamjobsearch.sessions.manager import ActiveSession
from dreamjobsearch.workspace import Workspace


def log_stream(services: Services, session: ActiveSession[Workspace]) -> EventSourceResponse:
    """The session's events as they happen, with heartbeats, until the client leaves or the
    session ends; the stream caps are applied (`TooManyRequestsError` beyond them)."""
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
