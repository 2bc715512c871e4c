"""Secrets at rest: users' credentials and the server's own are sealed with AES-GCM, bound to
their owner, never returned or logged, and survive key rotation (old keys decrypt, new writes
use the new key, the CLI re-encrypts both kinds)."""

from __future__ import annotations

import asyncio
import logging
import stat
from typing import Any

import pytest
from conftest import ServerFactory, SettingsFactory
from sqlalchemy import select, update
from support import LiveServer, bearer, login, register, user_id_of
from typer.testing import CliRunner

from dreamjobsearch.cli import app as cli
from dreamjobsearch.services import build_services
from dreamjobsearch.storage.db import database
from dreamjobsearch.storage.models import ServerSecret, UserSecret
from dreamjobsearch.vault.cipher import UndecryptableError
from dreamjobsearch.vault.keys import KEY_FILE, InvalidKeyError, new_key

TOKEN_VALUE = "1//0gLx-refresh-token-for-google-sheets"
SMTP_VALUE = "smtp pass w/ spaces"


async def stored_rows(server: LiveServer) -> list[UserSecret]:
    """Every row of `user_secrets`, as the database holds it."""
    async with database(server.services.engine)() as session:
        return list((await session.scalars(select(UserSecret))).all())


async def server_rows(server: LiveServer) -> list[ServerSecret]:
    """Every row of `server_secrets`, as the database holds it."""
    async with database(server.services.engine)() as session:
        return list((await session.scalars(select(ServerSecret))).all())


async def test_a_secret_is_stored_sealed_and_never_shown_again(
    server: LiveServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    async with server.client() as client:
        token = await register(client, "keeper@example.com")
        put = await client.put(
            "/me/secrets/google-sheets", json={"value": TOKEN_VALUE}, headers=bearer(token)
        )
        assert put.status_code == 204, put.text
        assert put.headers["cache-control"] == "no-store"

        listed = await client.get("/me/secrets", headers=bearer(token))
        assert listed.status_code == 200
        assert [row["name"] for row in listed.json()] == ["google-sheets"]
        assert TOKEN_VALUE not in listed.text
        assert listed.headers["cache-control"] == "no-store"

        [row] = await stored_rows(server)
        assert TOKEN_VALUE.encode() not in row.sealed
        assert len(row.sealed) == 12 + len(TOKEN_VALUE) + 16  # nonce, ciphertext, tag
        user_id = await user_id_of(server, "keeper@example.com")
        assert await server.services.vault.reveal(user_id, "google-sheets") == TOKEN_VALUE
    assert TOKEN_VALUE not in caplog.text


async def test_replacing_and_deleting_a_secret(server: LiveServer) -> None:
    async with server.client() as client:
        token = await register(client, "changer@example.com")
        user_id = await user_id_of(server, "changer@example.com")
        for value in ("first", "second"):
            put = await client.put(
                "/me/secrets/api.key", json={"value": value}, headers=bearer(token)
            )
            assert put.status_code == 204
        assert await server.services.vault.reveal(user_id, "api.key") == "second"
        assert len(await stored_rows(server)) == 1

        assert (
            await client.delete("/me/secrets/api.key", headers=bearer(token))
        ).status_code == 204
        gone = await client.delete("/me/secrets/api.key", headers=bearer(token))
        assert gone.status_code == 404
        assert gone.json() == {"detail": "no such secret of yours"}
        assert (await client.get("/me/secrets", headers=bearer(token))).json() == []


@pytest.mark.parametrize(
    ("name", "body"),
    [
        ("Bad Name", {"value": "x"}),
        ("-starts-with-dash", {"value": "x"}),
        ("x" * 65, {"value": "x"}),
        ("ok", {"value": ""}),
        ("ok", {"value": "x" * 16_385}),
        ("ok", {"value": "x", "extra": 1}),
        ("ok", {}),
    ],
)
async def test_bad_names_and_values_are_refused_clearly(
    server: LiveServer, name: str, body: dict[str, Any]
) -> None:
    async with server.client() as client:
        token = await register(client, "careless@example.com")
        response = await client.put(f"/me/secrets/{name}", json=body, headers=bearer(token))
        assert response.status_code == 422, response.text
        assert response.json()["detail"]
        assert await stored_rows(server) == []


async def test_secrets_are_their_owners_alone(server: LiveServer) -> None:
    async with server.client() as client:
        alice = await register(client, "alice@example.com")
        bob = await register(client, "bob@example.com")
        await client.put("/me/secrets/token", json={"value": "alice's"}, headers=bearer(alice))

        assert (await client.get("/me/secrets", headers=bearer(bob))).json() == []
        assert (await client.delete("/me/secrets/token", headers=bearer(bob))).status_code == 404
        assert (await client.get("/me/secrets")).status_code == 401
        assert len(await stored_rows(server)) == 1

        # Alice's sealed bytes copied into Bob's row do not open: they are bound to her.
        bob_id = await user_id_of(server, "bob@example.com")
        await client.put("/me/secrets/token", json={"value": "bob's"}, headers=bearer(bob))
        alice_row = next(r for r in await stored_rows(server) if r.user_id != bob_id)
        async with database(server.services.engine)() as session, session.begin():
            await session.execute(
                update(UserSecret)
                .where(UserSecret.user_id == bob_id)
                .values(sealed=alice_row.sealed, key_id=alice_row.key_id)
            )
        with pytest.raises(UndecryptableError):
            await server.services.vault.reveal(bob_id, "token")


async def test_old_keys_decrypt_new_writes_use_the_new_key_and_reencrypt_moves_all(
    make_server: ServerFactory,
) -> None:
    old, current = new_key(), new_key()
    first = await make_server(secret_key=old)
    async with first.client() as client:
        token = await register(client, "rotator@example.com")
        for name in ("a", "b", "c"):
            await client.put(f"/me/secrets/{name}", json={"value": name * 3}, headers=bearer(token))
        user_id = await user_id_of(first, "rotator@example.com")
    await first.services.server_vault.store("smtp-password", SMTP_VALUE)
    await first.stop()

    rotated = await make_server(secret_key=current, secret_old_keys=old)
    vault = rotated.services.vault
    reencryption = rotated.services.reencryption
    assert [await vault.reveal(user_id, name) for name in "abc"] == ["aaa", "bbb", "ccc"]
    assert await rotated.services.server_vault.find("smtp-password") == SMTP_VALUE
    async with rotated.client() as client:
        token = await login(client, "rotator@example.com")  # sessions live in memory
        put = await client.put("/me/secrets/d", json={"value": "ddd"}, headers=bearer(token))
        assert put.status_code == 204
    # d was written with the new key; the server's password still waits.
    assert await reencryption.pending() == 4

    assert await reencryption.run() == 4
    assert await reencryption.pending() == 0
    assert len({row.key_id for row in await stored_rows(rotated)}) == 1
    [server_row] = await server_rows(rotated)
    assert server_row.key_id == next(iter({row.key_id for row in await stored_rows(rotated)}))
    await rotated.stop()

    without_old = await make_server(secret_key=current)
    assert [await without_old.services.vault.reveal(user_id, n) for n in "abcd"] == [
        "aaa",
        "bbb",
        "ccc",
        "ddd",
    ]
    assert await without_old.services.server_vault.find("smtp-password") == SMTP_VALUE


async def test_a_malformed_key_refuses_to_start(make_settings: SettingsFactory) -> None:
    for key in ("too-short", "A" * 44 + "!!"):
        with pytest.raises(InvalidKeyError, match="secret key"):
            await build_services(make_settings(secret_key=key))


async def test_the_key_file_is_private_and_the_cli_rotates_and_retires_keys(
    make_server: ServerFactory, make_settings: SettingsFactory
) -> None:
    settings = make_settings()
    server = await make_server(settings)
    key_file = settings.data_dir / KEY_FILE
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    async with server.client() as client:
        token = await register(client, "cli@example.com")
        await client.put("/me/secrets/sheets", json={"value": TOKEN_VALUE}, headers=bearer(token))
        user_id = await user_id_of(server, "cli@example.com")
    await server.stop()
    original = key_file.read_text().split()

    runner = CliRunner()
    env = {"DREAMJOB_DATA_DIR": str(settings.data_dir), "DREAMJOB_SECRET_KEY": ""}
    early = await asyncio.to_thread(runner.invoke, cli, ["secrets", "drop-old-keys"], env=env)
    assert early.exit_code == 0, early.output  # nothing old yet
    stored = await asyncio.to_thread(
        runner.invoke, cli, ["secrets", "set", "smtp-password"], input=SMTP_VALUE, env=env
    )
    assert stored.exit_code == 0, stored.output
    rotated = await asyncio.to_thread(runner.invoke, cli, ["secrets", "rotate"], env=env)
    assert rotated.exit_code == 0, rotated.output
    assert "re-encrypted 2 secrets; 0 still sealed with an old key" in rotated.output
    keys = key_file.read_text().split()
    assert keys[1:] == original
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600

    dropped = await asyncio.to_thread(runner.invoke, cli, ["secrets", "drop-old-keys"], env=env)
    assert dropped.exit_code == 0, dropped.output
    assert key_file.read_text().split() == keys[:1]
    after = await make_server(settings)
    assert await after.services.vault.reveal(user_id, "sheets") == TOKEN_VALUE
    assert await after.services.server_vault.find("smtp-password") == SMTP_VALUE

    with_env = {**env, "DREAMJOB_SECRET_KEY": new_key()}
    refused = await asyncio.to_thread(runner.invoke, cli, ["secrets", "rotate"], env=with_env)
    assert refused.exit_code == 1
    assert "DREAMJOB_SECRET_OLD_KEYS" in refused.output
