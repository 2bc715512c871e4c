"""Nobody can log other users out or fill the server with accounts: at SESSION_MAX_TOTAL a
new login is refused (503, Retry-After) on the API and the web forms, and each client address
may sign up only REGISTER_MAX_PER_ADDRESS times an hour (429, Retry-After), counted on the
address behind a trusted proxy and shared through Redis."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import httpx
import pytest
from conftest import TEST_SECRET, ServerFactory
from processes import dreamjob_process, free_port, wait_healthy
from services_available import REDIS_URL
from support import PASSWORD, ManualClock, bearer, register
from web_support import csrf_field

HOUR = 3600


async def sign_up_status(client: httpx.AsyncClient, email: str) -> httpx.Response:
    """POST /register for `email`, whatever the answer."""
    return await client.post("/register", json={"email": email, "password": PASSWORD})


async def web_form(client: httpx.AsyncClient, page: str, email: str) -> httpx.Response:
    """Submit the login or sign-up form (`page`: "login" or "register") for `email`."""
    form = await client.get(f"/{page}")
    return await client.post(
        f"/web/{page}",
        data={"email": email, "password": PASSWORD, "csrf_token": csrf_field(form.text)},
    )


async def test_sign_ups_from_one_address_are_limited_per_hour(
    make_server: ServerFactory, clock: ManualClock
) -> None:
    server = await make_server(register_max_per_address=2)
    async with server.client() as client:
        await register(client, "one@example.com")
        taken = await sign_up_status(client, "one@example.com")  # an attempt counts too
        assert taken.status_code == 409
        refused = await sign_up_status(client, "three@example.com")
        assert refused.status_code == 429
        assert refused.headers["Retry-After"] == str(HOUR)
        assert "too many sign-ups" in refused.json()["detail"]
        assert await server.services.users.by_email("three@example.com") is None
        # Another address (behind the trusted proxy) has its own count.
        other = await client.post(
            "/register",
            json={"email": "other@example.com", "password": PASSWORD},
            headers={"X-Forwarded-For": "203.0.113.9"},
        )
        assert other.status_code == 201
        clock.advance(HOUR - 10)
        assert (await sign_up_status(client, "three@example.com")).headers["Retry-After"] == "10"
        clock.advance(10)
        assert (await sign_up_status(client, "three@example.com")).status_code == 201


async def test_the_sign_up_form_is_limited_too(make_server: ServerFactory) -> None:
    server = await make_server(register_max_per_address=1)
    async with server.client() as client:
        assert (await web_form(client, "register", "first@example.com")).status_code == 303
    async with server.client() as client:
        refused = await web_form(client, "register", "second@example.com")
    assert refused.status_code == 429
    assert "Too many sign-ups from your address" in refused.text
    assert int(refused.headers["Retry-After"]) > 0
    assert await server.services.users.by_email("second@example.com") is None


@pytest.mark.services
async def test_the_sign_up_limit_is_shared_between_processes_through_redis(
    make_server: ServerFactory, prefix: str
) -> None:
    shared = {"redis_url": REDIS_URL, "redis_prefix": prefix, "register_max_per_address": 2}
    first = await make_server(**shared)
    second = await make_server(**shared)
    async with first.client() as a, second.client() as b:
        await register(a, "a@example.com")
        await register(b, "b@example.com")
        assert (await sign_up_status(a, "c@example.com")).status_code == 429
        assert (await sign_up_status(b, "c@example.com")).status_code == 429


@pytest.mark.parametrize(
    "redis", [False, pytest.param(True, marks=pytest.mark.services)], ids=["memory", "redis"]
)
async def test_a_burst_of_sign_ups_cannot_slip_under_the_limit(
    make_server: ServerFactory, prefix: str, redis: bool
) -> None:
    """Counted as they are let through: concurrent sign-ups (each hashing its password for a
    while) cannot all pass the check before any is counted."""
    shared = {"redis_url": REDIS_URL, "redis_prefix": prefix} if redis else {}
    server = await make_server(register_max_per_address=3, **shared)
    async with server.client() as client:
        answers = await asyncio.gather(
            *(sign_up_status(client, f"burst{n}@example.com") for n in range(10))
        )
    assert sorted(answer.status_code for answer in answers) == [201] * 3 + [429] * 7


async def test_a_full_server_refuses_web_logins_and_sign_ups_without_ending_sessions(
    make_server: ServerFactory,
) -> None:
    server = await make_server(session_max_total=2, session_sweep_interval=20)
    async with server.client() as client:
        tokens = [await register(client, f"u{n}@example.com") for n in range(2)]
    async with server.client() as browser:
        login = await web_form(browser, "login", "u0@example.com")
        sign_up = await web_form(browser, "register", "late@example.com")
    for refused in (login, sign_up):
        assert refused.status_code == 503
        assert refused.headers["Retry-After"] == "20"
        assert "The server has reached its limit of open sessions" in refused.text
    assert await server.services.users.by_email("late@example.com") is None
    async with server.client() as client:
        for token in tokens:
            assert (await client.get("/auth/status", headers=bearer(token))).status_code == 200


@pytest.mark.slow
@pytest.mark.parametrize(("trusted", "limited"), [("", True), ("127.0.0.1", False)])
async def test_a_forged_forwarded_address_does_not_escape_the_limit(
    tmp_path: Path, trusted: str, limited: bool
) -> None:
    """`dreamjob serve` counts the address the trusted proxy reports, and only then: a client
    cannot name a new address for every sign-up."""
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "DREAMJOB_DATA_DIR": str(tmp_path / "data"),
        "DREAMJOB_JWT_SECRET": TEST_SECRET,
        "DREAMJOB_FORWARDED_ALLOW_IPS": trusted,
        "DREAMJOB_REGISTER_MAX_PER_ADDRESS": "2",
    }
    log = tmp_path / "serve.log"
    async with (
        dreamjob_process(["serve", "--port", str(port)], env, log),
        httpx.AsyncClient(base_url=base_url, timeout=10) as client,
    ):
        await wait_healthy(base_url, log)
        statuses = [
            (
                await client.post(
                    "/register",
                    json={"email": f"u{n}@example.com", "password": PASSWORD},
                    headers={"X-Forwarded-For": f"203.0.113.{n + 1}"},
                )
            ).status_code
            for n in range(3)
        ]
    assert statuses == ([201, 201, 429] if limited else [201, 201, 201])
