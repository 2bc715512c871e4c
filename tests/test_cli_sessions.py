"""`dreamjob sessions list|end` against a live server's admin API."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

import httpx
import pytest
from click.testing import Result
from support import PASSWORD, LiveServer, bearer, login, register, register_admin
from typer.testing import CliRunner

from dreamjobsearch.cli import app

ADMIN = "admin@example.com"

# A wide terminal so that rows are not wrapped, and no token from the environment.
ENV: dict[str, str | None] = {"COLUMNS": "250", "DREAMJOB_TOKEN": None}


@dataclass
class Scene:
    server: LiveServer
    client: httpx.AsyncClient
    admin: str
    alice: str
    bob: str

    async def sid(self, token: str) -> str:
        response = await self.client.get("/auth/status", headers=bearer(token))
        assert response.status_code == 200, response.text
        sid: str = response.json()["session"]["sid"]
        return sid

    async def works(self, token: str) -> bool:
        response = await self.client.get("/auth/status", headers=bearer(token))
        return response.status_code == 200


@pytest.fixture
async def scene(server: LiveServer, client: httpx.AsyncClient) -> Scene:
    admin = await register_admin(server, client, ADMIN)
    alice = await register(client, "alice@example.com")
    bob = await register(client, "bob@example.com")
    return Scene(server, client, admin, alice, bob)


async def dreamjob(*args: str, input: str | None = None, columns: int = 250) -> Result:
    """Run the CLI in a thread, so that the server in this event loop keeps answering."""
    runner = CliRunner()
    env = {**ENV, "COLUMNS": str(columns)}
    return await asyncio.wait_for(
        asyncio.to_thread(runner.invoke, app, list(args), input=input, env=env), 30
    )


async def test_list_shows_every_session(scene: Scene) -> None:
    result = await dreamjob(
        "sessions", "list", "--server", scene.server.base_url, "--token", scene.admin
    )
    assert result.exit_code == 0, result.output
    assert "3 sessions, 3 users" in result.output
    for email in (ADMIN, "alice@example.com", "bob@example.com"):
        assert email in result.output
    alice_sid = await scene.sid(scene.alice)
    assert alice_sid[:12] in result.output
    assert alice_sid not in result.output  # shortened unless --wide


async def test_list_wide_shows_whole_session_ids(scene: Scene) -> None:
    sids = [await scene.sid(token) for token in (scene.admin, scene.alice, scene.bob)]
    result = await dreamjob(
        "sessions", "list", "--wide", "--server", scene.server.base_url, "--token", scene.admin
    )
    assert result.exit_code == 0, result.output
    for sid in sids:
        assert sid in result.output


async def test_list_wide_keeps_whole_session_ids_in_a_narrow_terminal(scene: Scene) -> None:
    sids = [await scene.sid(token) for token in (scene.admin, scene.alice, scene.bob)]
    result = await dreamjob(
        "sessions",
        "list",
        "--wide",
        "--server",
        scene.server.base_url,
        "--token",
        scene.admin,
        columns=80,
    )
    assert result.exit_code == 0, result.output
    for sid in sids:
        assert sid in result.output


async def test_end_ends_that_session(scene: Scene) -> None:
    other_alice = await login(scene.client, "alice@example.com")
    sid = await scene.sid(scene.alice)
    result = await dreamjob(
        "sessions", "end", sid, "--server", scene.server.base_url, "--token", scene.admin
    )
    assert result.exit_code == 0, result.output
    assert "session ended" in result.output
    assert not await scene.works(scene.alice)
    assert await scene.works(other_alice)
    assert await scene.works(scene.bob)

    listed = await dreamjob(
        "sessions", "list", "--wide", "--server", scene.server.base_url, "--token", scene.admin
    )
    assert sid not in listed.output

    again = await dreamjob(
        "sessions", "end", sid, "--server", scene.server.base_url, "--token", scene.admin
    )
    assert again.exit_code == 1
    assert "404" in again.output
    assert "no such session" in again.output


async def test_a_non_admin_token_is_refused(scene: Scene) -> None:
    listed = await dreamjob(
        "sessions", "list", "--server", scene.server.base_url, "--token", scene.alice
    )
    assert listed.exit_code != 0
    assert "error 403" in listed.output
    assert "admins only" in listed.output
    assert "bob@example.com" not in listed.output

    bob_sid = await scene.sid(scene.bob)
    ended = await dreamjob(
        "sessions", "end", bob_sid, "--server", scene.server.base_url, "--token", scene.alice
    )
    assert ended.exit_code != 0
    assert "error 403" in ended.output
    assert await scene.works(scene.bob)


async def test_an_ended_token_is_refused(scene: Scene) -> None:
    await scene.client.post("/logout", headers=bearer(scene.admin))
    result = await dreamjob(
        "sessions", "list", "--server", scene.server.base_url, "--token", scene.admin
    )
    assert result.exit_code != 0
    assert "error 401" in result.output


async def test_email_login_asks_for_the_password_and_logs_out_after(scene: Scene) -> None:
    result = await dreamjob(
        "sessions", "list", "--server", scene.server.base_url, "--email", ADMIN, input=PASSWORD
    )
    assert result.exit_code == 0, result.output
    assert "alice@example.com" in result.output
    # The CLI's own session was closed again: only the three from the fixture remain.
    assert (await scene.server.services.sessions.stats()).total_sessions == 3


async def test_without_credentials_it_says_what_to_give(scene: Scene) -> None:
    result = await dreamjob("sessions", "list", "--server", scene.server.base_url)
    assert result.exit_code != 0
    assert "--token" in result.output
