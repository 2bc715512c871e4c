"""Runs are bounded and shared fairly: a run of more than RUN_MAX_SEARCHES searches is refused
(422, with the count and the limit) on the API, the search form and the CLI; and when a slot
frees, a user waiting behind another user's queued runs starts first (round-robin), on the
local runner and on the job queue with a real Redis and `dreamjob worker`."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from conftest import TEST_SECRET, ServerFactory, SettingsFactory
from processes import dreamjob_process, run_status, wait_run_status
from services_available import REDIS_URL
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from support import bearer, register, start_server
from typer.testing import CliRunner
from web_support import HTMX, sign_up

from dreamjobsearch.cli import app as cli

WITHIN = 20  # seconds any one step may take before the test fails


@dataclass
class HeldBoards:
    """A Greenhouse whose boards answer only once the test releases them, and which says
    which boards have been asked for (a run asks as soon as it starts)."""

    base_url: str = ""
    asked: list[str] = field(default_factory=list)
    releases: dict[str, asyncio.Event] = field(default_factory=dict)
    _asked_changed: asyncio.Event = field(default_factory=asyncio.Event)

    def release(self, board: str) -> None:
        """Let the board answer (an empty board)."""
        self.releases.setdefault(board, asyncio.Event()).set()

    def release_all(self) -> None:
        """Let every board answer, now and later."""
        for board in {*self.asked, *self.releases}:
            self.release(board)
        self.releases.setdefault("*", asyncio.Event()).set()

    async def first_asked_of(self, boards: set[str]) -> str:
        """Wait until one of `boards` is asked for; which one was."""
        async with asyncio.timeout(WITHIN):
            while True:
                for board in self.asked:
                    if board in boards:
                        return board
                self._asked_changed.clear()
                await self._asked_changed.wait()

    async def endpoint(self, request: Request) -> Response:
        board = request.path_params["board"]
        if request.url.path.endswith("/jobs") and board not in self.asked:
            self.asked.append(board)
            self._asked_changed.set()
        release = self.releases.setdefault(board, asyncio.Event())
        everything = self.releases.setdefault("*", asyncio.Event())
        await asyncio.wait(
            [asyncio.ensure_future(release.wait()), asyncio.ensure_future(everything.wait())],
            return_when=asyncio.FIRST_COMPLETED,
        )
        body = '{"jobs": []}' if request.url.path.endswith("/jobs") else '{"name": "Acme"}'
        return Response(body, media_type="application/json")


@pytest.fixture
async def boards() -> AsyncIterator[HeldBoards]:
    """A local board server holding every board until released."""
    held = HeldBoards()
    server = await start_server(
        Starlette(
            routes=[
                Route("/v1/boards/{board}", held.endpoint),
                Route("/v1/boards/{board}/jobs", held.endpoint),
            ]
        )
    )
    held.base_url = server.base_url
    yield held
    held.release_all()
    await server.stop()


def board_run(board: str) -> dict[str, Any]:
    """A run of one search on one held board."""
    return {"queries": ["python"], "sources": [{"type": "greenhouse", "board": board}]}


async def start(client: httpx.AsyncClient, token: str, board: str) -> str:
    """Start a run on `board` (asserting 202); its id."""
    response = await client.post("/update-database", json=board_run(board), headers=bearer(token))
    assert response.status_code == 202, response.text
    run_id: str = response.json()["run_id"]
    return run_id


async def a_slot_frees_for_the_other_user_first(
    client: httpx.AsyncClient, boards: HeldBoards
) -> None:
    """Two slots: Ada fills both and queues a third run; then Bob queues one. When one of
    Ada's runs ends, Bob's run starts, not Ada's third."""
    ada = await register(client, "ada@example.com")
    bob = await register(client, "bob@example.com")
    ada_runs = [await start(client, ada, board) for board in ("ada1", "ada2", "ada3")]
    running = {await boards.first_asked_of({"ada1", "ada2", "ada3"})}
    running.add(await boards.first_asked_of({"ada1", "ada2", "ada3"} - running))
    assert running == {"ada1", "ada2"}  # a user's own runs start in order
    bob_run = await start(client, bob, "bob1")
    assert await run_status(client, bob, bob_run) == "queued"
    assert await run_status(client, ada, ada_runs[2]) == "queued"

    boards.release("ada1")
    assert await boards.first_asked_of({"bob1", "ada3"}) == "bob1"
    assert await wait_run_status(client, bob, bob_run, {"running"}, within=WITHIN) == "running"
    assert await run_status(client, ada, ada_runs[2]) == "queued"

    boards.release("ada2")  # and then Ada's third has its turn
    assert await boards.first_asked_of({"ada3"}) == "ada3"
    boards.release_all()
    for token, run_id in ((ada, ada_runs[2]), (bob, bob_run)):
        assert await wait_run_status(client, token, run_id, {"succeeded"}, within=WITHIN)


async def users_take_turns_on_one_slot(client: httpx.AsyncClient, boards: HeldBoards) -> None:
    """One slot: Ada's run holds it, her second waits, then Bob's. When hers ends, Bob has
    his turn before her second run, though she queued first."""
    ada = await register(client, "ada@example.com")
    bob = await register(client, "bob@example.com")
    first, second = [await start(client, ada, board) for board in ("ada1", "ada2")]
    assert await boards.first_asked_of({"ada1", "ada2"}) == "ada1"
    bob_run = await start(client, bob, "bob1")
    boards.release("ada1")
    assert await boards.first_asked_of({"bob1", "ada2"}) == "bob1"
    assert await run_status(client, ada, second) == "queued"
    boards.release("bob1")
    assert await boards.first_asked_of({"ada2"}) == "ada2"
    boards.release_all()
    for token, run_id in ((ada, first), (ada, second), (bob, bob_run)):
        assert await wait_run_status(client, token, run_id, {"succeeded"}, within=WITHIN)


Scenario = Callable[[httpx.AsyncClient, HeldBoards], Awaitable[None]]
SCENARIOS = [
    pytest.param(2, a_slot_frees_for_the_other_user_first, id="two-slots"),
    pytest.param(1, users_take_turns_on_one_slot, id="one-slot"),
]


@pytest.mark.parametrize(("slots", "scenario"), SCENARIOS)
async def test_the_local_runner_shares_its_slots_round_robin(
    make_server: ServerFactory, boards: HeldBoards, slots: int, scenario: Scenario
) -> None:
    server = await make_server(greenhouse_base_url=boards.base_url, run_concurrency=slots)
    async with server.client() as client:
        await scenario(client, boards)


@pytest.mark.services
@pytest.mark.slow
@pytest.mark.parametrize(("slots", "scenario"), SCENARIOS)
async def test_the_queue_shares_a_workers_slots_round_robin(
    tmp_path: Path,
    prefix: str,
    make_server: ServerFactory,
    make_settings: SettingsFactory,
    boards: HeldBoards,
    slots: int,
    scenario: Scenario,
) -> None:
    settings = make_settings(
        runner="queue",
        redis_url=REDIS_URL,
        redis_prefix=prefix,
        greenhouse_base_url=boards.base_url,
    )
    server = await make_server(settings)
    env = {
        **os.environ,
        "DREAMJOB_DATA_DIR": str(settings.data_dir),
        "DREAMJOB_REDIS_URL": REDIS_URL,
        "DREAMJOB_REDIS_PREFIX": prefix,
        "DREAMJOB_RUNNER": "queue",
        "DREAMJOB_JWT_SECRET": TEST_SECRET,
        "DREAMJOB_RUN_CONCURRENCY": str(slots),
        "DREAMJOB_GREENHOUSE_BASE_URL": boards.base_url,
        "DREAMJOB_BOARD_REQUEST_INTERVAL": "0",
    }
    async with (
        server.client() as client,
        dreamjob_process(["worker"], env, tmp_path / "worker.log"),
    ):
        await scenario(client, boards)


# --- RUN_MAX_SEARCHES --------------------------------------------------------------------


def big_run(queries: int, locations: int) -> dict[str, Any]:
    """A run of `queries` x `locations` searches on two boards."""
    return {
        "queries": [f"q{n}" for n in range(queries)],
        "locations": [f"l{n}" for n in range(locations)],
        "sources": [{"type": "arbeitnow"}, {"type": "greenhouse", "board": "acme"}],
    }


async def test_a_run_of_more_searches_than_allowed_is_refused_naming_both_numbers(
    make_server: ServerFactory,
) -> None:
    server = await make_server(run_max_searches=200)
    async with server.client() as client:
        token = await register(client, "big@example.com")
        refused = await client.post("/update-database", json=big_run(10, 11), headers=bearer(token))
        assert refused.status_code == 422
        message = refused.json()["detail"][0]["msg"]
        assert "220 searches" in message
        assert "200 allowed" in message
        assert (await client.get("/runs", headers=bearer(token))).json() == []
        # Exactly at the limit is fine (it fails on the closed test port, which is no matter).
        fits = await client.post("/update-database", json=big_run(10, 10), headers=bearer(token))
        assert fits.status_code == 202, fits.text


async def test_the_saved_sources_count_too(make_server: ServerFactory) -> None:
    """A run without `sources` uses the user's saved ones (LinkedIn by default): counted
    the same."""
    server = await make_server(run_max_searches=4)
    async with server.client() as client:
        token = await register(client, "saved@example.com")
        queries = {"queries": [f"q{n}" for n in range(5)]}
        refused = await client.post("/update-database", json=queries, headers=bearer(token))
        assert refused.status_code == 422
        assert "5 searches" in refused.json()["detail"][0]["msg"]


async def test_the_search_form_refuses_a_run_too_big(make_server: ServerFactory) -> None:
    server = await make_server(run_max_searches=3)
    async with server.client() as client:
        csrf = await sign_up(client, "form@example.com")
        data = {"csrf_token": csrf, "queries": "a\nb", "locations": "x\ny", "arbeitnow": "on"}
        data["max_jobs_per_search"] = "5"
        fragment = await client.post("/web/searches", data=data, headers=HTMX)
        page = await client.post("/web/searches", data=data)
    for answer in (fragment, page):
        assert answer.status_code == 422
        assert "4 searches" in answer.text
        assert "3 allowed" in answer.text


async def test_the_cli_refuses_a_run_too_big(make_server: ServerFactory) -> None:
    server = await make_server(run_max_searches=1)
    async with server.client() as client:
        await register(client, "cli@example.com")
    env = {
        "DREAMJOB_DATA_DIR": str(server.services.settings.data_dir),
        "DREAMJOB_DATABASE_URL": None,
        "DREAMJOB_JWT_SECRET": TEST_SECRET,
        "DREAMJOB_RUN_MAX_SEARCHES": "1",
    }
    args = ["update", "--email", "cli@example.com", "--query", "a", "--query", "b"]
    result = await asyncio.to_thread(
        CliRunner().invoke, cli, [*args, "--source", "arbeitnow"], env=env
    )
    assert result.exit_code == 1, result.output
    assert "2 searches" in result.output
    assert "1 allowed" in result.output
