"""`dreamjob serve` believes X-Forwarded-* only from the proxies FORWARDED_ALLOW_IPS names:
behind a trusted TLS proxy the session cookie is `Secure`; a client cannot claim HTTPS."""

from __future__ import annotations

import os
from pathlib import Path

import httpx
import pytest
from conftest import TEST_SECRET
from processes import dreamjob_process, free_port, wait_healthy
from web_support import csrf_field

from dreamjobsearch.http_common.transports import SESSION_COOKIE

# Real server processes.
pytestmark = pytest.mark.slow

FORWARDED_HTTPS = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.7"}


@pytest.mark.parametrize(("trusted", "secure"), [("127.0.0.1", True), ("", False)])
async def test_the_cookie_is_secure_only_behind_a_trusted_https_proxy(
    tmp_path: Path, trusted: str, secure: bool
) -> None:
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "DREAMJOB_DATA_DIR": str(tmp_path / "data"),
        "DREAMJOB_JWT_SECRET": TEST_SECRET,
        "DREAMJOB_FORWARDED_ALLOW_IPS": trusted,
    }
    log = tmp_path / "serve.log"
    async with (
        dreamjob_process(["serve", "--port", str(port)], env, log),
        httpx.AsyncClient(base_url=base_url, timeout=10, headers=FORWARDED_HTTPS) as client,
    ):
        await wait_healthy(base_url, log)
        form = await client.get("/register")
        # A browser speaks HTTPS to the proxy and sends Secure cookies back; this client
        # speaks plain HTTP to the server, so it hands the pre-login cookie back itself.
        pre_login = "; ".join(
            value.split(";", 1)[0] for value in form.headers.get_list("set-cookie")
        )
        client.cookies.clear()
        response = await client.post(
            "/web/register",
            data={
                "email": "proxied@example.com",
                "password": "correct horse battery",
                "csrf_token": csrf_field(form.text),
            },
            headers={"Cookie": pre_login},
        )
        assert response.status_code == 303, response.text
        [cookie] = [
            value
            for value in response.headers.get_list("set-cookie")
            if value.startswith(f"{SESSION_COOKIE}=")
        ]
        assert ("; secure" in cookie.lower()) is secure
        assert "httponly" in cookie.lower()
