"""Admin rights are a flag on the account, granted and revoked only by `dreamjob admin`."""

from __future__ import annotations

import asyncio
import os
import subprocess
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import httpx
import pytest
from click.testing import Result
from conftest import TEST_SECRET, ServerFactory, SettingsFactory
from processes import DREAMJOB
from support import LiveServer, bearer, register, register_admin, user_id_of
from typer.testing import CliRunner

from dreamjobsearch.app import create_app
from dreamjobsearch.cli import app
from dreamjobsearch.storage.account_facts import MAX_AGE

ADMIN = "admin@example.com"


async def dreamjob_admin(data_dir: Path, *args: str) -> Result:
    """Run `dreamjob admin ...` on a DATA_DIR, in a thread so the server keeps answering."""
    env = {"DREAMJOB_DATA_DIR": str(data_dir), "DREAMJOB_ADMIN_EMAILS": None, "COLUMNS": "200"}
    runner = CliRunner()
    return await asyncio.wait_for(
        asyncio.to_thread(runner.invoke, app, ["admin", *args], env=env), 60
    )


async def eventually(check: Callable[[], Awaitable[bool]]) -> bool:
    """Whether `check` comes true within a few times the account cache's MAX_AGE."""
    deadline = time.monotonic() + 3 * MAX_AGE
    while not await check():
        if time.monotonic() > deadline:
            return False
        await asyncio.sleep(MAX_AGE / 10)
    return True


async def negate(check: Awaitable[bool]) -> bool:
    """The opposite of what `check` answers."""
    return not await check


async def can_list_sessions(client: httpx.AsyncClient, token: str) -> bool:
    """Whether the token may use the admin API."""
    response = await client.get("/admin/sessions", headers=bearer(token))
    assert response.status_code in (200, 403), response.text
    return response.status_code == 200


async def test_registering_a_deleted_admins_address_grants_nothing(
    server: LiveServer, client: httpx.AsyncClient
) -> None:
    first = await register_admin(server, client, ADMIN)
    second = await register_admin(server, client, "second@example.com")
    deleted = await client.delete(
        f"/admin/users/{await user_id_of(server, ADMIN)}", headers=bearer(second)
    )
    assert deleted.status_code == 200, deleted.text
    assert (await client.get("/auth/status", headers=bearer(first))).status_code == 401

    newcomer = await register(client, "Admin@Example.com")
    status = (await client.get("/auth/status", headers=bearer(newcomer))).json()
    assert status["is_admin"] is False
    assert not await can_list_sessions(client, newcomer)


async def test_the_cli_grants_and_revokes_on_a_running_server_within_a_second(
    make_server: ServerFactory, make_settings: SettingsFactory
) -> None:
    settings = make_settings()
    server = await make_server(settings)
    async with server.client() as client:
        token = await register(client, "ops@example.com")
        assert not await can_list_sessions(client, token)

        granted = await dreamjob_admin(settings.data_dir, "grant", "Ops@Example.COM")
        assert granted.exit_code == 0, granted.output
        assert "ops@example.com is now an admin" in granted.output
        # The same session, no new login, once the server's cached answer is older than
        # MAX_AGE.
        assert await eventually(lambda: can_list_sessions(client, token))

        listed = await dreamjob_admin(settings.data_dir, "list")
        assert listed.exit_code == 0, listed.output
        assert "1 admins" in listed.output
        assert "ops@example.com" in listed.output

        revoked = await dreamjob_admin(settings.data_dir, "revoke", "ops@example.com")
        assert revoked.exit_code == 0, revoked.output
        assert await eventually(lambda: negate(can_list_sessions(client, token)))
        assert (await client.get("/auth/status", headers=bearer(token))).json()["is_admin"] is False
        assert "0 admins" in (await dreamjob_admin(settings.data_dir, "list")).output


@pytest.mark.parametrize(
    ("email", "message"),
    [
        ("nobody@example.com", "no account nobody@example.com: it must register first"),
        ("Ops <ops@example.com>", "not a valid email address"),
    ],
)
async def test_the_cli_refuses_an_unknown_or_invalid_address(
    make_server: ServerFactory, make_settings: SettingsFactory, email: str, message: str
) -> None:
    settings = make_settings()
    server = await make_server(settings)
    async with server.client() as client:
        await register(client, "ops@example.com")
    result = await dreamjob_admin(settings.data_dir, "grant", email)
    assert result.exit_code == 1
    assert message in " ".join(result.output.split())
    assert await server.services.users.admins() == []


def test_create_app_refuses_the_retired_admin_emails(make_settings: SettingsFactory) -> None:
    with pytest.raises(ValueError, match="dreamjob admin grant"):
        create_app(make_settings(admin_emails="boss@example.com"))
    create_app(make_settings(admin_emails="  "))  # blank counts as unset


@pytest.mark.slow
def test_serve_refuses_to_start_while_admin_emails_is_set(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "DREAMJOB_DATA_DIR": str(tmp_path / "data"),
        "DREAMJOB_JWT_SECRET": TEST_SECRET,
        "DREAMJOB_ADMIN_EMAILS": "boss@example.com",
    }
    done = subprocess.run(
        [*DREAMJOB, "serve", "--port", "0"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 1
    said = " ".join((done.stdout + done.stderr).split())
    assert "DREAMJOB_ADMIN_EMAILS is no longer read" in said
    assert "dreamjob admin grant EMAIL" in said
