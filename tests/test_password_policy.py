"""Common passwords and passwords made of the account's email are refused, on every path."""

from __future__ import annotations

import html

import httpx
import pytest
from support import PASSWORD, LiveServer, bearer, register
from web_support import csrf_field

EMAIL = "ada.lovelace@example.com"
TOO_COMMON = "one of the most common passwords"
HAS_EMAIL = "must not contain your email address"
HAS_NAME = "must not contain the part of your email before the @"


@pytest.mark.parametrize(
    ("password", "reason"),
    [
        ("password", TOO_COMMON),
        ("12345678", TOO_COMMON),
        ("PassWord", TOO_COMMON),  # compared without case, as the list is
        ("  qwertyuiop ", TOO_COMMON),
        (EMAIL, HAS_EMAIL),
        (EMAIL.upper(), HAS_EMAIL),
        (f"my {EMAIL} pass", HAS_EMAIL),
        ("ada.lovelace", HAS_NAME),
        ("ADA.LOVELACE-2026!", HAS_NAME),
    ],
)
async def test_register_refuses_the_password_with_a_422_naming_why(
    server: LiveServer, client: httpx.AsyncClient, password: str, reason: str
) -> None:
    response = await client.post("/register", json={"email": EMAIL, "password": password})
    assert response.status_code == 422, response.text
    assert reason in response.json()["detail"]
    assert await server.services.users.by_email(EMAIL) is None  # nothing was created


async def test_a_good_password_is_still_accepted(client: httpx.AsyncClient) -> None:
    token = await register(client, EMAIL, "lovelace engine notes")  # contains part, not all
    assert (await client.get("/auth/status", headers=bearer(token))).status_code == 200


async def test_a_short_local_part_only_refuses_an_equal_password(
    client: httpx.AsyncClient,
) -> None:
    equal = await client.post(
        "/register", json={"email": "alfredo@example.com", "password": "ALFREDO!"}
    )
    assert equal.status_code == 422
    await register(client, "al@example.com", "albatross crossing")  # "al" is inside: fine


async def test_changing_to_a_refused_password_is_a_422_and_keeps_the_old_one(
    client: httpx.AsyncClient,
) -> None:
    token = await register(client, EMAIL)
    for new, reason in (("iloveyou", TOO_COMMON), (f"x{EMAIL}x", HAS_EMAIL)):
        response = await client.post(
            "/me/password",
            json={"current_password": PASSWORD, "new_password": new},
            headers=bearer(token),
        )
        assert response.status_code == 422, response.text
        assert reason in response.json()["detail"]
    login = await client.post("/login", json={"email": EMAIL, "password": PASSWORD})
    assert login.status_code == 200


async def test_the_sign_up_form_refuses_a_common_password(
    server: LiveServer, client: httpx.AsyncClient
) -> None:
    form = await client.get("/register")
    response = await client.post(
        "/web/register",
        data={"email": EMAIL, "password": "12345678", "csrf_token": csrf_field(form.text)},
    )
    assert response.status_code == 422
    assert TOO_COMMON in html.unescape(response.text)
    assert await server.services.users.by_email(EMAIL) is None
