"""The web UI's accounts: the session cookie, login redirects, CSRF, security headers."""

from __future__ import annotations

import httpx
import pytest
from conftest import ServerFactory
from support import PASSWORD, LiveServer, bearer, grant_admin, register
from web_support import HTMX, csrf_field, session_token, sign_in, sign_up

from dreamjobsearch.http_common.transports import SESSION_COOKIE
from dreamjobsearch.web.cookies import PRELOGIN_COOKIE

EMAIL = "ada@example.com"
PAGES = ("/", "/results", "/account/sessions", "/admin")


def cookie_header(response: httpx.Response, name: str) -> str:
    """The Set-Cookie header that sets `name`."""
    headers = [h for h in response.headers.get_list("set-cookie") if h.startswith(f"{name}=")]
    assert len(headers) == 1, response.headers
    return headers[0]


async def test_register_sets_an_httponly_samesite_session_cookie(
    client: httpx.AsyncClient,
) -> None:
    form = await client.get("/register")
    assert "HttpOnly" in cookie_header(form, PRELOGIN_COOKIE)
    response = await client.post(
        "/web/register",
        data={"email": EMAIL, "password": PASSWORD, "csrf_token": csrf_field(form.text)},
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/welcome"  # a new account starts with the guide
    cookie = cookie_header(response, SESSION_COOKIE)
    assert "HttpOnly" in cookie
    assert "SameSite=lax" in cookie
    assert "Path=/" in cookie
    assert "Secure" not in cookie  # plain HTTP here
    home = await client.get("/")
    assert home.status_code == 200
    assert EMAIL in home.text


async def test_the_cookie_is_secure_over_https(client: httpx.AsyncClient) -> None:
    # uvicorn trusts X-Forwarded-Proto from 127.0.0.1, as from a TLS-terminating proxy.
    https = {"X-Forwarded-Proto": "https"}
    form = await client.get("/register", headers=https)
    prelogin = cookie_header(form, PRELOGIN_COOKIE)
    assert "Secure" in prelogin
    # httpx keeps Secure cookies for https:// URLs only: send it by hand.
    seed = prelogin.split(";")[0]
    response = await client.post(
        "/web/register",
        data={"email": EMAIL, "password": PASSWORD, "csrf_token": csrf_field(form.text)},
        headers={**https, "Cookie": seed},
    )
    assert response.status_code == 303
    assert "Secure" in cookie_header(response, SESSION_COOKIE)


async def test_the_cookie_holds_the_same_token_the_api_accepts(
    client: httpx.AsyncClient,
) -> None:
    await sign_up(client, EMAIL)
    status = await client.get("/auth/status", headers=bearer(session_token(client)))
    assert status.status_code == 200
    assert status.json()["email"] == EMAIL


async def test_the_api_is_not_authorised_by_the_cookie_alone(
    client: httpx.AsyncClient,
) -> None:
    # The API checks no CSRF token, so the cookie a browser adds by itself must not count.
    await sign_up(client, EMAIL)
    assert (await client.post("/logout")).status_code == 401
    assert (await client.get("/auth/status")).status_code == 401
    assert (await client.get("/logs")).status_code == 401
    # The session was not ended: the pages, with the cookie, still work.
    assert (await client.get("/")).status_code == 200


async def test_a_bearer_token_does_not_log_a_page_in(client: httpx.AsyncClient) -> None:
    # The pages read only their cookie: a header a script can set is no page session.
    await sign_up(client, EMAIL)
    token = session_token(client)
    client.cookies.clear()
    response = await client.get("/", headers=bearer(token))
    assert response.status_code == 303
    assert response.headers["location"] == "/login"


@pytest.mark.parametrize("path", PAGES)
async def test_pages_redirect_to_login_when_logged_out(
    client: httpx.AsyncClient, path: str
) -> None:
    response = await client.get(path)
    assert response.status_code == 303
    expected = "/login" if path == "/" else f"/login?next={path.replace('/', '%2F')}"
    assert response.headers["location"] == expected


async def test_htmx_requests_get_a_full_page_redirect_when_logged_out(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get("/web/runs", headers=HTMX)
    assert response.status_code == 401
    assert response.headers["HX-Redirect"] == "/login"


async def test_an_ended_session_redirects_and_clears_the_cookie(
    client: httpx.AsyncClient,
) -> None:
    await sign_up(client, EMAIL)
    await client.post("/logout", headers=bearer(session_token(client)))  # through the API
    response = await client.get("/")
    assert response.status_code == 303
    assert response.headers["location"] == "/login"
    assert 'dreamjob_session=""' in cookie_header(response, SESSION_COOKIE)


async def test_login_goes_back_to_the_page_asked_for(client: httpx.AsyncClient) -> None:
    await register(client, EMAIL)
    form = await client.get("/login?next=/results")
    assert 'name="next" value="/results"' in form.text
    response = await client.post(
        "/web/login",
        data={
            "email": EMAIL,
            "password": PASSWORD,
            "next": "/results",
            "csrf_token": csrf_field(form.text),
        },
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/results"


@pytest.mark.parametrize("target", ["//evil.example/", "https://evil.example/", "/\\evil"])
async def test_login_never_redirects_to_another_site(
    client: httpx.AsyncClient, target: str
) -> None:
    await register(client, EMAIL)
    form = await client.get("/login")
    response = await client.post(
        "/web/login",
        data={
            "email": EMAIL,
            "password": PASSWORD,
            "next": target,
            "csrf_token": csrf_field(form.text),
        },
    )
    assert response.headers["location"] == "/"


async def test_a_wrong_password_shows_the_form_again_with_a_message(
    client: httpx.AsyncClient,
) -> None:
    await register(client, EMAIL)
    form = await client.get("/login")
    response = await client.post(
        "/web/login",
        data={"email": EMAIL, "password": "not it at all", "csrf_token": csrf_field(form.text)},
    )
    assert response.status_code == 401
    assert "Incorrect email or password." in response.text
    assert f'value="{EMAIL}"' in response.text
    assert "not it at all" not in response.text
    assert SESSION_COOKIE not in response.headers.get("set-cookie", "")


async def test_throttled_logins_say_when_to_try_again(make_server: ServerFactory) -> None:
    server = await make_server(login_max_failures=2)
    async with server.client() as client:
        await register(client, EMAIL)
        form = await client.get("/login")
        data = {"email": EMAIL, "password": "wrong password", "csrf_token": csrf_field(form.text)}
        for _ in range(2):
            assert (await client.post("/web/login", data=data)).status_code == 401
        response = await client.post("/web/login", data={**data, "password": PASSWORD})
    assert response.status_code == 429
    assert "Too many failed logins: try again in" in response.text
    assert int(response.headers["Retry-After"]) > 0


async def test_register_problems_are_shown_on_the_form(client: httpx.AsyncClient) -> None:
    form = await client.get("/register")
    token = csrf_field(form.text)
    short = await client.post(
        "/web/register", data={"email": EMAIL, "password": "short", "csrf_token": token}
    )
    assert short.status_code == 400
    assert "at least 8 characters" in short.text
    bad = await client.post(
        "/web/register", data={"email": "not-an-email", "password": PASSWORD, "csrf_token": token}
    )
    assert bad.status_code == 400
    assert "valid email address" in bad.text
    await register(client, EMAIL)
    taken = await client.post(
        "/web/register", data={"email": EMAIL, "password": PASSWORD, "csrf_token": token}
    )
    assert taken.status_code == 409
    assert "already exists" in taken.text


async def test_login_without_a_csrf_token_is_403(client: httpx.AsyncClient) -> None:
    await register(client, EMAIL)
    await client.get("/login")
    response = await client.post("/web/login", data={"email": EMAIL, "password": PASSWORD})
    assert response.status_code == 403
    assert SESSION_COOKIE not in response.headers.get("set-cookie", "")


async def test_a_login_token_from_another_browser_is_403(server: LiveServer) -> None:
    async with server.client() as ours, server.client() as theirs:
        await register(ours, EMAIL)
        their_token = csrf_field((await theirs.get("/login")).text)
        await ours.get("/login")
        response = await ours.post(
            "/web/login", data={"email": EMAIL, "password": PASSWORD, "csrf_token": their_token}
        )
    assert response.status_code == 403


@pytest.mark.parametrize(
    ("path", "data"),
    [
        ("/web/logout", {}),
        ("/web/searches", {"queries": "python", "linkedin": "on"}),
        ("/web/sessions/end-others", {}),
    ],
)
async def test_state_changes_without_the_csrf_token_are_403(
    client: httpx.AsyncClient, path: str, data: dict[str, str]
) -> None:
    await sign_up(client, EMAIL)
    missing = await client.post(path, data=data)
    assert missing.status_code == 403
    assert "did not come from this site" in missing.text
    wrong = await client.post(path, data={**data, "csrf_token": "0" * 64})
    assert wrong.status_code == 403
    header = await client.post(path, data=data, headers={"X-CSRF-Token": "0" * 64})
    assert header.status_code == 403
    assert (await client.get("/")).status_code == 200  # still logged in


async def test_a_csrf_token_of_another_session_is_403(server: LiveServer) -> None:
    async with server.client() as first, server.client() as second:
        await sign_up(first, EMAIL)
        other = await sign_in(second, EMAIL)
        response = await first.post("/web/logout", data={"csrf_token": other})
        assert response.status_code == 403


async def test_logout_ends_the_session_and_forgets_the_cookie(
    client: httpx.AsyncClient,
) -> None:
    csrf = await sign_up(client, EMAIL)
    token = session_token(client)
    response = await client.post("/web/logout", data={"csrf_token": csrf})
    assert response.status_code == 303
    assert response.headers["location"] == "/login"
    assert 'dreamjob_session=""' in cookie_header(response, SESSION_COOKIE)
    assert (await client.get("/auth/status", headers=bearer(token))).status_code == 401
    assert (await client.get("/")).status_code == 303


async def test_pages_carry_the_security_headers(client: httpx.AsyncClient) -> None:
    await sign_up(client, EMAIL)
    for path in ("/login", "/", "/results", "/account/sessions"):
        response = await client.get(path)
        if path == "/login":
            assert response.status_code == 303  # logged in: straight on
        headers = response.headers
        policy = headers["Content-Security-Policy"]
        assert "script-src 'self'" in policy
        assert "frame-ancestors 'none'" in policy
        assert "unsafe-inline" not in policy
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["X-Frame-Options"] == "DENY"
        assert headers["Cache-Control"] == "no-store"


async def test_pages_have_no_inline_script(client: httpx.AsyncClient) -> None:
    await sign_up(client, EMAIL)
    for path in ("/", "/results?keywords=python", "/account/sessions"):
        html = (await client.get(path)).text
        assert "<script>" not in html
        assert " on" + "click=" not in html
        for tag in html.split("<script")[1:]:
            assert tag.lstrip().startswith("src=")


async def test_static_files_are_served_nosniff(client: httpx.AsyncClient) -> None:
    for path in ("/static/css/app.css", "/static/js/live.js", "/static/vendor/htmx.min.js"):
        response = await client.get(path)
        assert response.status_code == 200, path
        assert response.headers["X-Content-Type-Options"] == "nosniff"


async def test_the_admin_page_is_for_admins_only(server: LiveServer) -> None:
    async with server.client() as someone, server.client() as admin:
        await sign_up(someone, EMAIL)
        assert (await someone.get("/admin")).status_code == 403
        home = await someone.get("/")
        assert 'href="/admin"' not in home.text
        await sign_up(admin, "admin@example.com")
        assert (await admin.get("/admin")).status_code == 403  # an address grants nothing
        await grant_admin(server, "admin@example.com")
        assert 'href="/admin"' in (await admin.get("/")).text
        page = await admin.get("/admin")
        assert page.status_code == 200
        assert EMAIL in page.text
