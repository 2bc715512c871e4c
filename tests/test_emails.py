"""An email is read the same way on every path: display-name forms are refused, case folded."""

from __future__ import annotations

import httpx
import pytest
from support import PASSWORD, LiveServer, bearer, login, register
from web_support import csrf_field, sign_in, sign_up

DISPLAY_NAME_FORMS = (
    "Admin <admin@example.com>",
    "<admin@example.com>",
    '"Admin" <admin@example.com>',
)


async def post_sign_up(client: httpx.AsyncClient, email: str) -> httpx.Response:
    """Submit the sign-up form."""
    form = await client.get("/register")
    return await client.post(
        "/web/register",
        data={"email": email, "password": PASSWORD, "csrf_token": csrf_field(form.text)},
    )


@pytest.mark.parametrize("email", DISPLAY_NAME_FORMS)
async def test_the_sign_up_form_refuses_a_display_name_email(
    server: LiveServer, client: httpx.AsyncClient, email: str
) -> None:
    response = await post_sign_up(client, email)
    assert response.status_code == 400
    assert "valid email address" in response.text
    assert await server.services.users.page(10, 0) == []  # stored as neither form


@pytest.mark.parametrize("email", DISPLAY_NAME_FORMS)
async def test_the_api_refuses_a_display_name_email(
    server: LiveServer, client: httpx.AsyncClient, email: str
) -> None:
    response = await client.post("/register", json={"email": email, "password": PASSWORD})
    assert response.status_code == 422, response.text
    assert await server.services.users.page(10, 0) == []
    login = await client.post("/login", json={"email": email, "password": PASSWORD})
    assert login.status_code == 422


async def test_an_address_signed_up_on_the_form_is_the_one_the_api_knows(
    server: LiveServer,
) -> None:
    async with server.client() as browser, server.client() as api:
        await sign_up(browser, "  Grace.Hopper@Example.COM ")
        (user,) = await server.services.users.page(10, 0)
        assert user.email == "grace.hopper@example.com"
        token = await login(api, "GRACE.HOPPER@example.com")
        status = (await api.get("/auth/status", headers=bearer(token))).json()
        assert status["email"] == "grace.hopper@example.com"
        taken = await api.post(
            "/register", json={"email": "grace.hopper@EXAMPLE.com", "password": PASSWORD}
        )
        assert taken.status_code == 409


async def test_an_address_registered_on_the_api_signs_in_on_the_form(
    server: LiveServer, client: httpx.AsyncClient
) -> None:
    await register(client, "Alan.Turing@Example.org")
    async with server.client() as browser, server.client() as other:
        await sign_in(browser, "ALAN.TURING@example.ORG")
        again = await post_sign_up(other, "alan.turing@EXAMPLE.org")
        assert again.status_code == 409
