"""Helpers for the web UI's HTTP tests: signing up and in through the forms, CSRF tokens."""

from __future__ import annotations

import asyncio
import re
import time

import httpx
from support import PASSWORD

from dreamjobsearch.http_common.transports import SESSION_COOKIE

CSRF_META = re.compile(r'<meta name="csrf-token" content="([0-9a-f]+)">')
CSRF_FIELD = re.compile(r'name="csrf_token" value="([0-9a-f]+)"')
RUN_STATUS = re.compile(r'data-status="([a-z]+)"')
FINAL = {"succeeded", "failed", "cancelled", "interrupted"}
HTMX = {"HX-Request": "true"}


def csrf_field(html: str) -> str:
    """The CSRF token of the first form on a page."""
    found = CSRF_FIELD.search(html)
    assert found, "no csrf_token field on the page"
    return found.group(1)


def csrf_meta(html: str) -> str:
    """The session's CSRF token a logged-in page carries for htmx."""
    found = CSRF_META.search(html)
    assert found, "no csrf-token meta tag on the page"
    return found.group(1)


async def sign_up(client: httpx.AsyncClient, email: str, password: str = PASSWORD) -> str:
    """Register through the form; returns the new session's CSRF token."""
    form = await client.get("/register")
    response = await client.post(
        "/web/register",
        data={"email": email, "password": password, "csrf_token": csrf_field(form.text)},
    )
    assert response.status_code == 303, response.text
    return await session_csrf(client)


async def sign_in(client: httpx.AsyncClient, email: str, password: str = PASSWORD) -> str:
    """Log in through the form; returns the new session's CSRF token."""
    form = await client.get("/login")
    response = await client.post(
        "/web/login",
        data={"email": email, "password": password, "csrf_token": csrf_field(form.text)},
    )
    assert response.status_code == 303, response.text
    return await session_csrf(client)


async def session_csrf(client: httpx.AsyncClient) -> str:
    """The CSRF token of the client's current session (read from the home page)."""
    home = await client.get("/")
    assert home.status_code == 200, home.text
    return csrf_meta(home.text)


def session_token(client: httpx.AsyncClient) -> str:
    """The token in the client's session cookie (the API accepts it as a Bearer token)."""
    token = client.cookies.get(SESSION_COOKIE)
    assert token, "no session cookie"
    return token


async def wait_for_run(client: httpx.AsyncClient, run_id: str, within: float = 10) -> str:
    """Poll the run's panel until the run is over; returns its final status."""
    deadline = time.monotonic() + within
    while True:
        response = await client.get(f"/web/runs/{run_id}/panel", headers=HTMX)
        assert response.status_code == 200, response.text
        found = RUN_STATUS.search(response.text)
        assert found
        if found.group(1) in FINAL:
            return found.group(1)
        assert time.monotonic() < deadline, f"run still {found.group(1)}"
        await asyncio.sleep(0.05)
