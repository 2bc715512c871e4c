"""What the tests of boards named by their host (Recruitee, Personio) share.

Such a board lives at `https://<company>.<service>`; the tests serve every company from one
fake host on 127.0.0.1 under `/<company>`, with the base URL template `<host>/{board}`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from starlette.applications import Starlette
from starlette.routing import Route
from support import start_server
from test_boards import FakeBoards


@asynccontextmanager
async def fake_host() -> AsyncIterator[FakeBoards]:
    """Company sites by path on a free port of 127.0.0.1, stopped afterwards."""
    fake = FakeBoards()
    server = await start_server(Starlette(routes=[Route("/{path:path}", fake.answer)]))
    fake.base_url = server.base_url
    try:
        yield fake
    finally:
        await server.stop()


def template(host: FakeBoards) -> str:
    """The base URL setting that puts every company under `/<company>` on the fake host."""
    return f"{host.base_url}/{{board}}"
