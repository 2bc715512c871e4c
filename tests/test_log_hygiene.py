"""Nothing secret reaches the logs: a real `dreamjob serve` at DEBUG goes through every flow
that handles a token, a password, a ticket, a session id or a stored credential, and its whole
log output is searched for them. Session ids may appear only as their short hash."""

from __future__ import annotations

import asyncio
import os
import re
from pathlib import Path

import httpx
import pytest
from conftest import TEST_SECRET
from processes import dreamjob_process, free_port, wait_healthy
from support import PASSWORD, bearer, open_stream

from dreamjobsearch.sessions.manager import short_sid

# Real server processes.
pytestmark = pytest.mark.slow

NEW_PASSWORD = "another long passphrase"
CREDENTIAL = "ya29.a0-google-oauth-token-value"


def server_env(tmp_path: Path, **settings: str) -> dict[str, str]:
    """The environment of a `dreamjob serve` on its own data folder, with `settings`."""
    data = {"DREAMJOB_DATA_DIR": str(tmp_path / "data"), "DREAMJOB_JWT_SECRET": TEST_SECRET}
    return {**os.environ, **data, **settings}


async def test_tokens_passwords_tickets_and_credentials_never_reach_the_logs(
    tmp_path: Path,
) -> None:
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    log = tmp_path / "serve.log"
    env = server_env(tmp_path, DREAMJOB_LOG_LEVEL="DEBUG", DREAMJOB_SESSION_STORE="database")
    secrets: list[str] = [PASSWORD, NEW_PASSWORD, CREDENTIAL, TEST_SECRET]
    sids: list[str] = []
    async with (
        dreamjob_process(["serve", "--port", str(port)], env, log),
        httpx.AsyncClient(base_url=base_url, timeout=10) as client,
    ):
        await wait_healthy(base_url, log)
        body = {"email": "quiet@example.com", "password": PASSWORD}
        token = (await client.post("/register", json=body)).json()["access_token"]
        wrong = await client.post("/login", json={**body, "password": "wrong " + PASSWORD})
        assert wrong.status_code == 401
        other = (await client.post("/login", json=body)).json()["access_token"]
        secrets += [token, other]
        for each in (token, other):
            status = await client.get("/auth/status", headers=bearer(each))
            sids.append(status.json()["session"]["sid"])

        ticket = (await client.post("/logs/ticket", headers=bearer(token))).json()["ticket"]
        secrets.append(ticket)
        async with open_stream(client, ticket=ticket):
            pass
        stored = await client.put(
            "/me/secrets/sheets", json={"value": CREDENTIAL}, headers=bearer(token)
        )
        assert stored.status_code == 204
        changed = await client.post(
            "/me/password",
            json={"current_password": PASSWORD, "new_password": NEW_PASSWORD},
            headers=bearer(token),
        )
        assert changed.status_code == 200, changed.text
        short = await client.post("/register", json={"email": "x@example.com", "password": "Zq9x!"})
        assert short.status_code == 422
        assert (await client.post("/logout", headers=bearer(token))).status_code == 200

    output = await asyncio.to_thread(log.read_text, errors="replace")
    assert "GET /auth/status" in output  # the access log was on
    leaked = [secret for secret in [*secrets, *sids, "Zq9x!"] if secret in output]
    assert leaked == [], f"found in the logs: {leaked}"
    assert short_sid(sids[0]) in output  # session ids appear as their short hash only


async def test_tokens_and_secret_parameters_in_urls_never_reach_the_logs(tmp_path: Path) -> None:
    # The default log level: uvicorn's access log is on and prints every request's URL.
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    log = tmp_path / "serve.log"
    env = server_env(tmp_path)
    env.pop("DREAMJOB_LOG_LEVEL", None)
    async with (
        dreamjob_process(["serve", "--port", str(port)], env, log),
        httpx.AsyncClient(base_url=base_url, timeout=10) as client,
    ):
        await wait_healthy(base_url, log)
        body = {"email": "urls@example.com", "password": PASSWORD}
        token = (await client.post("/register", json=body)).json()["access_token"]
        await client.get("/auth/status", params={"access_token": token})
        await client.get(f"/job-postings/{token}")
        await client.get(
            "/healthz",
            params={
                "password": "p-31337-password",
                "api_key": "k-31337-key",
                "secret": "s-31337-secret",
            },
        )
        await client.get("/logs", params={"ticket": "t-31337-ticket"})

    output = await asyncio.to_thread(log.read_text, errors="replace")
    assert "GET /auth/status?access_token=[redacted]" in output  # the access log was on
    # uvicorn's lines have the one format of every other line, with their time.
    access = [line for line in output.splitlines() if "GET /healthz?" in line]
    assert len(access) == 1
    assert re.fullmatch(
        r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} INFO uvicorn\.access: 127\.0\.0\.1:\d+ - "
        r'"GET /healthz\?password=\[redacted\]&api_key=\[redacted\]&secret=\[redacted\] '
        r'HTTP/1\.1" 200',
        access[0],
    ), access[0]
    leaked = [
        secret
        for secret in (token, "p-31337-password", "k-31337-key", "s-31337-secret", "t-31337-ticket")
        if secret in output
    ]
    assert leaked == [], f"found in the logs: {leaked}"
