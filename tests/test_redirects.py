"""A board's redirect is followed only within the board's own host: a board cannot send our
server to another site, a cloud metadata endpoint or a service on localhost. Boards and the
would-be targets are real servers on 127.0.0.1."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from conftest import ServerFactory
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route
from support import bearer, register, start_server, wait_run

from dreamjobsearch.sources.http import (
    HostPolicy,
    PoliteHttp,
    RedirectRefusedError,
    RetryPolicy,
    RunHttp,
)

GREENHOUSE_JOBS = "/v1/boards/acme/jobs"
BOARD = (
    Path(__file__).resolve().parent / "fixtures" / "greenhouse" / "board_acme.json"
).read_bytes()


@dataclass
class Host:
    """A server answering redirects (`path -> location`) or the board, recording requests."""

    redirects: dict[str, str] = field(default_factory=dict)
    requests: list[str] = field(default_factory=list)
    base_url: str = ""
    port: int = 0

    async def answer(self, request: Request) -> Response:
        """Redirect, or serve the board's jobs on any other path."""
        self.requests.append(request.url.path)
        location = self.redirects.get(request.url.path)
        if location is not None:
            return RedirectResponse(location, status_code=302)
        return Response(BOARD, media_type="application/json")


@pytest.fixture
async def hosts() -> AsyncIterator[tuple[Host, Host]]:
    """A board and another server (the target a board must not reach), both on 127.0.0.1."""
    made = (Host(), Host())
    servers = []
    for host in made:
        server = await start_server(Starlette(routes=[Route("/{path:path}", host.answer)]))
        host.base_url = server.base_url
        host.port = int(server.base_url.rsplit(":", 1)[1])
        servers.append(server)
    yield made
    for server in servers:
        await server.stop()


@pytest.fixture
async def http() -> AsyncIterator[RunHttp]:
    """A run's HTTP session without pacing or retries."""
    polite = PoliteHttp(
        user_agent="test",
        timeout=5,
        proxy=None,
        policies={},
        default_policy=HostPolicy(interval=0),
        retry=RetryPolicy(retries=0),
    )
    yield polite.for_run()
    await polite.aclose()


async def test_a_redirect_to_another_host_is_a_run_error_not_a_visit(
    hosts: tuple[Host, Host], make_server: ServerFactory
) -> None:
    board, elsewhere = hosts
    board.redirects[GREENHOUSE_JOBS] = f"http://localhost:{elsewhere.port}/latest/meta-data/"
    app = await make_server(greenhouse_base_url=board.base_url)
    async with app.client() as client:
        headers = bearer(await register(client, "redirected@example.com"))
        started = await client.post(
            "/update-database",
            json={"queries": ["engineer"], "sources": [{"type": "greenhouse", "board": "acme"}]},
            headers=headers,
        )
        assert started.status_code == 202, started.text
        run = await wait_run(client, headers, started.json()["run_id"])
    assert run["status"] == "failed", run
    assert run["error"] == (
        "The Greenhouse board acme sent us to another address, which we do not follow "
        "(searching 'engineer')"
    )
    assert elsewhere.requests == []


@pytest.mark.parametrize(
    ("target", "reason"),
    [
        ("http://169.254.169.254/latest/meta-data/", "to another host (169.254.169.254)"),
        ("http://localhost:{port}/admin", "to another host (localhost)"),
        ("http://[::1]:{port}/", "to another host (::1)"),
        ("file:///etc/passwd", "to a 'file' address"),
    ],
)
async def test_redirects_leaving_the_board_are_refused(
    hosts: tuple[Host, Host], http: RunHttp, target: str, reason: str
) -> None:
    board, elsewhere = hosts
    board.redirects["/jobs"] = target.format(port=elsewhere.port)
    expected = re.escape(f"redirected {reason}: not followed")
    with pytest.raises(RedirectRefusedError, match=expected) as refused:
        await http.get_json(f"{board.base_url}/jobs", {"token": "kept out of the error"})
    assert "kept out" not in refused.value.message
    assert elsewhere.requests == []


async def test_redirects_within_the_board_are_followed_a_few_times_at_most(
    hosts: tuple[Host, Host], http: RunHttp
) -> None:
    board, _ = hosts
    board.redirects["/old"] = "/v1/boards/acme/jobs"
    board.redirects["/moved"] = f"{board.base_url}/old"
    jobs = await http.get_json(f"{board.base_url}/moved")
    assert jobs["jobs"]
    assert board.requests == ["/moved", "/old", "/v1/boards/acme/jobs"]

    board.redirects["/loop"] = "/loop"
    with pytest.raises(RedirectRefusedError, match="redirected more than 5 times"):
        await http.get(f"{board.base_url}/loop")
    assert board.requests.count("/loop") == 6
