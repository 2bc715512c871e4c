"""The server's own secrets (the SMTP password): set, listed and deleted with `dreamjob
secrets`, never taken from an argument nor shown, and sealed so that neither a user's sealed
value opens as the server's nor the server's as a user's."""

from __future__ import annotations

import asyncio
import os
import pty
import select
import subprocess
import time

import pytest
from conftest import ServerFactory, SettingsFactory, start_from_template
from processes import DREAMJOB
from sqlalchemy import select as select_rows
from sqlalchemy import update
from support import LiveServer, bearer, register, user_id_of
from typer.testing import CliRunner, Result

from dreamjobsearch.cli import app as cli
from dreamjobsearch.config import Settings
from dreamjobsearch.storage.db import database
from dreamjobsearch.storage.models import ServerSecret, UserSecret
from dreamjobsearch.vault.cipher import UndecryptableError
from dreamjobsearch.vault.keys import new_key

PASSWORD = "correct horse battery staple"


def secrets_command(settings: Settings, *args: str, stdin: str | bytes | None = None) -> Result:
    """`dreamjob secrets ARGS` against the settings' DATA_DIR (its SQLite database and key
    file), with `stdin` piped in."""
    env = {
        "DREAMJOB_DATA_DIR": str(settings.data_dir),
        "DREAMJOB_SECRET_KEY": "",
        "COLUMNS": "200",
    }
    return CliRunner().invoke(cli, ["secrets", *args], input=stdin, env=env)


@pytest.fixture
def settings(make_settings: SettingsFactory, migrated_database: bytes) -> Settings:
    """Settings whose database is already at the newest schema."""
    made = make_settings()
    start_from_template(made, migrated_database)
    return made


async def run(settings: Settings, *args: str, stdin: str | bytes | None = None) -> Result:
    """`secrets_command` off the event loop (the CLI runs its own)."""
    return await asyncio.to_thread(secrets_command, settings, *args, stdin=stdin)


async def test_set_list_and_delete_a_server_secret(
    settings: Settings, make_server: ServerFactory
) -> None:
    stored = await run(settings, "set", "smtp-password", stdin=PASSWORD + "\n")
    assert stored.exit_code == 0, stored.output
    assert "stored server secret smtp-password" in stored.output
    assert PASSWORD not in stored.output

    replaced = await run(settings, "set", "smtp-password", stdin="second value")
    assert replaced.exit_code == 0, replaced.output
    listed = await run(settings, "list")
    assert listed.exit_code == 0, listed.output
    assert "1 server secrets" in listed.output
    assert "smtp-password" in listed.output
    assert "second value" not in listed.output

    server = await make_server(settings)
    assert await server.services.server_vault.find("smtp-password") == "second value"
    await server.stop()

    deleted = await run(settings, "delete", "smtp-password")
    assert deleted.exit_code == 0, deleted.output
    assert "deleted server secret smtp-password" in deleted.output
    assert "0 server secrets" in (await run(settings, "list")).output
    again = await run(settings, "delete", "smtp-password")
    assert again.exit_code == 1
    assert "error: no server secret named 'smtp-password'" in again.output


async def test_a_value_is_never_an_argument_and_bad_input_is_refused(settings: Settings) -> None:
    as_argument = await run(settings, "set", "smtp-password", PASSWORD)
    assert as_argument.exit_code == 2
    assert "unexpected extra argument" in as_argument.output.lower()

    bad_name = await run(settings, "set", "SMTP Password", stdin=PASSWORD)
    assert bad_name.exit_code == 2
    assert "a secret name is 1-64 characters" in bad_name.output

    empty = await run(settings, "set", "smtp-password", stdin="\n")
    assert empty.exit_code == 1
    assert "error: a secret cannot be empty" in empty.output

    too_long = await run(settings, "set", "smtp-password", stdin="x" * 16_385)
    assert too_long.exit_code == 1
    assert "error: a secret is at most 16384 bytes" in too_long.output

    not_text = await run(settings, "set", "smtp-password", stdin=b"\xff\xfe pass")
    assert not_text.exit_code == 1
    assert "error: the value piped in is not UTF-8 text" in not_text.output

    unknown = await run(settings, "set", "smtp_pass", stdin=PASSWORD)
    assert unknown.exit_code == 0, unknown.output
    assert "the server reads only smtp-password" in unknown.output
    assert "1 server secrets" in (await run(settings, "list")).output


async def test_a_server_secret_and_a_users_secret_do_not_open_as_each_other(
    server: LiveServer,
) -> None:
    async with server.client() as client:
        token = await register(client, "mallory@example.com")
        put = await client.put(
            "/me/secrets/smtp-password", json={"value": "mallory's"}, headers=bearer(token)
        )
        assert put.status_code == 204
    user_id = await user_id_of(server, "mallory@example.com")
    await server.services.server_vault.store("smtp-password", PASSWORD)
    engine = server.services.engine
    async with database(engine)() as session:
        server_row = (await session.scalars(select_rows(ServerSecret))).one()
        user_row = (await session.scalars(select_rows(UserSecret))).one()
        theirs = (user_row.key_id, user_row.sealed)
        ours = (server_row.key_id, server_row.sealed)

    # The server's sealed password, copied into the user's row of the same name...
    async with database(engine)() as session, session.begin():
        await session.execute(update(UserSecret).values(key_id=ours[0], sealed=ours[1]))
    with pytest.raises(UndecryptableError):
        await server.services.vault.reveal(user_id, "smtp-password")
    # ...and the user's value copied into the server's row: neither opens.
    async with database(engine)() as session, session.begin():
        await session.execute(update(ServerSecret).values(key_id=theirs[0], sealed=theirs[1]))
    with pytest.raises(UndecryptableError):
        await server.services.server_vault.find("smtp-password")


async def test_at_a_terminal_the_value_is_typed_twice_and_not_shown(
    settings: Settings, make_server: ServerFactory
) -> None:
    env = {**os.environ, "DREAMJOB_DATA_DIR": str(settings.data_dir), "DREAMJOB_SECRET_KEY": ""}
    screen = await asyncio.to_thread(
        at_terminal, [*DREAMJOB, "secrets", "set", "smtp-password"], env, [PASSWORD] * 2
    )
    assert "value of smtp-password: " in screen
    assert "Repeat for confirmation: " in screen
    assert "stored server secret smtp-password" in screen
    assert PASSWORD not in screen
    server = await make_server(settings)
    assert await server.services.server_vault.find("smtp-password") == PASSWORD


def at_terminal(command: list[str], env: dict[str, str], answers: list[str]) -> str:
    """Run `command` with a pseudo-terminal for input and output, typing each answer after
    the next prompt (a line ending in ': '); what the terminal showed."""
    controller, terminal = pty.openpty()
    process = subprocess.Popen(command, stdin=terminal, stdout=terminal, stderr=terminal, env=env)
    os.close(terminal)
    shown = b""
    try:
        deadline = time.monotonic() + 30
        while process.poll() is None or select.select([controller], [], [], 0)[0]:
            assert time.monotonic() < deadline, shown.decode(errors="replace")
            if not select.select([controller], [], [], 0.1)[0]:
                continue
            try:
                chunk = os.read(controller, 4096)
            except OSError:  # the terminal closed with the process
                break
            shown += chunk
            # Only once the prompt's last space is out: the terminal stops echoing just
            # before it (and drops anything typed earlier).
            if answers and shown.endswith(b": "):
                os.write(controller, answers.pop(0).encode() + b"\r")
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(10)
        os.close(controller)
    assert process.returncode == 0, shown.decode(errors="replace")
    return shown.decode(errors="replace")


@pytest.mark.services
async def test_server_secrets_are_kept_and_reencrypted_on_postgresql(
    make_server: ServerFactory, postgres_url: str
) -> None:
    old, current = new_key(), new_key()
    first = await make_server(database_url=postgres_url, secret_key=old)
    await first.services.server_vault.store("smtp-password", PASSWORD)
    await first.services.server_vault.store("smtp-password", "replaced")
    await first.stop()

    rotated = await make_server(database_url=postgres_url, secret_key=current, secret_old_keys=old)
    reencryption = rotated.services.reencryption
    assert await reencryption.pending() == 1
    assert await reencryption.run() == 1
    assert await reencryption.pending() == 0
    await rotated.stop()

    without_old = await make_server(database_url=postgres_url, secret_key=current)
    vault = without_old.services.server_vault
    assert await vault.find("smtp-password") == "replaced"
    assert [info.name for info in await vault.names()] == ["smtp-password"]
    await vault.delete("smtp-password")
    assert await vault.find("smtp-password") is None
