"""Helpers shared by the tests: a hand-moved clock, a live server, SSE reading."""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
import ssl
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import httpx
import uvicorn
from fastapi import FastAPI

from dreamjobsearch.services import Services

PASSWORD = "correct horse battery"
# The statuses a run ends in.
FINAL_STATES = frozenset({"succeeded", "failed", "cancelled", "interrupted"})
# One TLS context for every test client: httpx would load the CA bundle again for each
# client (a good 20 ms of CPU), though tests only speak plain HTTP to 127.0.0.1.
TLS = ssl.create_default_context()


class ManualClock:
    """A clock that only moves when a test says so."""

    def __init__(self, start: float | None = None) -> None:
        self.current = time.time() if start is None else start

    def now(self) -> float:
        """The current (fake) time."""
        return self.current

    def advance(self, seconds: float) -> None:
        """Move time forward."""
        self.current += seconds


class PromptServer(uvicorn.Server):
    """uvicorn's server, stopping as soon as it is asked to.

    uvicorn checks for a stop every 0.1 s, then pauses 0.1 s for connections to wind down
    and polls every 0.1 s while they do: fine for one server, but the suite starts and stops
    hundreds, and those pauses were a good share of its time. Same steps, short polls.
    """

    def __init__(self, config: uvicorn.Config) -> None:
        super().__init__(config)
        self.stop_requested = asyncio.Event()

    async def main_loop(self) -> None:
        """uvicorn's loop (ticks keep the Date header fresh) that wakes at once on a stop."""
        counter = 0
        while not await self.on_tick(counter):
            counter = (counter + 1) % 864000
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.stop_requested.wait(), 0.1)

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        """uvicorn's graceful shutdown, polling every 5 ms instead of pausing 0.1 s."""
        for server in self.servers:
            server.close()
        for connection in list(self.server_state.connections):
            connection.shutdown()
        # uvicorn signals no event when the last connection has closed: poll for it.
        while self.server_state.connections or self.server_state.tasks:  # noqa: ASYNC110
            await asyncio.sleep(0.005)
        for server in self.servers:
            await server.wait_closed()
        await self.lifespan.shutdown()


@dataclass
class LiveServer:
    """A uvicorn server running the app on 127.0.0.1 in the test's event loop."""

    app: FastAPI
    server: PromptServer
    task: asyncio.Task[None]
    base_url: str

    @property
    def services(self) -> Services:
        """The app's services (to look inside in assertions)."""
        services: Services = self.app.state.services
        return services

    def client(self, **kwargs: Any) -> httpx.AsyncClient:
        """An HTTP client for this server."""
        return httpx.AsyncClient(base_url=self.base_url, timeout=10, verify=TLS, **kwargs)

    async def stop(self) -> None:
        """Shut the server down and wait for its lifespan to finish."""
        self.server.should_exit = True
        self.server.stop_requested.set()
        await asyncio.wait_for(self.task, timeout=15)


async def start_server(app: FastAPI) -> LiveServer:
    """Serve `app` on a free port of 127.0.0.1 until `stop()`."""
    config = uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", lifespan="on")
    server = PromptServer(config)
    task = asyncio.create_task(server.serve())
    deadline = time.monotonic() + 15
    while not server.started:
        if task.done():
            task.result()
            raise RuntimeError("server stopped during start-up")
        if time.monotonic() > deadline:
            raise TimeoutError("server did not start within 15 s")
        await asyncio.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    return LiveServer(app, server, task, f"http://127.0.0.1:{port}")


def bearer(token: str) -> dict[str, str]:
    """The Authorization header for a token."""
    return {"Authorization": f"Bearer {token}"}


async def register(client: httpx.AsyncClient, email: str, password: str = PASSWORD) -> str:
    """Register an account and return its token."""
    response = await client.post("/register", json={"email": email, "password": password})
    assert response.status_code == 201, response.text
    token: str = response.json()["access_token"]
    return token


async def grant_admin(server: LiveServer, email: str) -> None:
    """Give a registered account admin rights, as `dreamjob admin grant` does."""
    assert await server.services.users.set_admin(email, True), f"no account {email}"


async def register_admin(server: LiveServer, client: httpx.AsyncClient, email: str) -> str:
    """Register an account, make it an admin, and return its token."""
    token = await register(client, email)
    await grant_admin(server, email)
    return token


async def login(client: httpx.AsyncClient, email: str, password: str = PASSWORD) -> str:
    """Log in and return the token."""
    response = await client.post("/login", json={"email": email, "password": password})
    assert response.status_code == 200, response.text
    token: str = response.json()["access_token"]
    return token


async def wait_run(
    client: httpx.AsyncClient,
    headers: dict[str, str],
    run_id: str,
    until: frozenset[str] = FINAL_STATES,
    within: float = 20,
) -> dict[str, Any]:
    """Poll the run until its status is in `until`; fail after `within` seconds."""
    deadline = time.monotonic() + within
    while True:
        response = await client.get(f"/runs/{run_id}", headers=headers)
        assert response.status_code == 200, response.text
        run: dict[str, Any] = response.json()
        if run["status"] in until:
            return run
        assert time.monotonic() < deadline, f"run still {run['status']} after {within} s"
        await asyncio.sleep(0.05)


async def put_file(
    client: httpx.AsyncClient, headers: dict[str, str], name: str, data: bytes
) -> None:
    """Upload a file to the user's own file area, where their `file` sources read it."""
    response = await client.put(f"/me/files/{name}", content=data, headers=headers)
    assert response.status_code == 200, response.text


async def sid_of(client: httpx.AsyncClient, token: str) -> str:
    """The session id behind a token."""
    response = await client.get("/auth/status", headers=bearer(token))
    assert response.status_code == 200, response.text
    sid: str = response.json()["session"]["sid"]
    return sid


async def user_id_of(server: LiveServer, email: str) -> int:
    """The id of the account with this email."""
    user = await server.services.users.by_email(email)
    assert user is not None
    return user.id


class EventStream:
    """Reads the JSON events of an open `/logs` stream.

    A background task reads the lines into a queue, so a read that times out leaves the
    stream usable for the next read.
    """

    def __init__(self, response: httpx.Response) -> None:
        self.response = response
        self._events: asyncio.Queue[dict[str, Any] | None] = asyncio.Queue()
        self._reader = asyncio.create_task(self._pump())

    async def _pump(self) -> None:
        try:
            async for line in self.response.aiter_lines():
                if line.startswith("data:"):
                    self._events.put_nowait(json.loads(line[5:].strip()))
        finally:
            self._events.put_nowait(None)

    async def close(self) -> None:
        """Stop reading."""
        self._reader.cancel()
        with contextlib.suppress(asyncio.CancelledError, httpx.HTTPError):
            await self._reader

    async def next(self, within: float = 5) -> dict[str, Any]:
        """The next event; fails the test after `within` seconds or at the stream's end."""
        event = await asyncio.wait_for(self._events.get(), within)
        if event is None:
            self._events.put_nowait(None)
            raise EOFError("stream ended")
        return event

    async def until(self, predicate: Any, within: float = 10) -> dict[str, Any]:
        """Skip events until one satisfies `predicate`."""
        deadline = time.monotonic() + within
        while True:
            event = await self.next(max(0.01, deadline - time.monotonic()))
            if predicate(event):
                return event

    async def ended(self, within: float = 5) -> bool:
        """Whether the server closes the stream within `within` seconds."""
        deadline = time.monotonic() + within
        while True:
            try:
                await self.next(max(0.01, deadline - time.monotonic()))
            except EOFError:
                return True
            except TimeoutError:
                return False


@asynccontextmanager
async def open_stream(
    client: httpx.AsyncClient, *, token: str | None = None, ticket: str | None = None
) -> AsyncIterator[EventStream]:
    """Open `/logs` with a token or a ticket; the stream is live when this yields."""
    params = {"ticket": ticket} if ticket else None
    headers = bearer(token) if token else None
    async with client.stream("GET", "/logs", params=params, headers=headers) as response:
        assert response.status_code == 200, await response.aread()
        assert response.headers["content-type"].startswith("text/event-stream")
        stream = EventStream(response)
        try:
            yield stream
        finally:
            await stream.close()
