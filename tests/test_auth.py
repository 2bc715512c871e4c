"""Accounts over real HTTP: register, log in, throttling, tokens, sessions, bad input, admin."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from typing import Any

import httpx
import jwt
import pytest
from conftest import TEST_SECRET, ServerFactory
from support import (
    PASSWORD,
    LiveServer,
    ManualClock,
    bearer,
    grant_admin,
    login,
    register,
    register_admin,
)

BAD_CREDENTIALS_STATUS = 401


def when(value: str) -> datetime:
    """An ISO timestamp from a response."""
    return datetime.fromisoformat(value)


def assert_json_error(response: httpx.Response, status: int) -> Any:
    """The response is a JSON `{"detail": ...}` error with `status`; returns the detail."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"detail"}
    return body["detail"]


def claims_of(token: str) -> dict[str, Any]:
    """The claims of one of our tokens (signature checked with the test secret)."""
    decoded: dict[str, Any] = jwt.decode(
        token, TEST_SECRET, algorithms=["HS256"], options={"verify_exp": False}
    )
    return decoded


# --- register ---------------------------------------------------------------------------


async def test_register_returns_a_bearer_token(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/register", json={"email": "new@example.com", "password": PASSWORD}
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert set(body) == {"access_token", "token_type", "expires_at"}
    assert body["token_type"] == "bearer"
    assert isinstance(body["access_token"], str)
    assert body["access_token"]
    assert when(body["expires_at"]).tzinfo is not None


async def test_register_token_works_on_auth_status(
    client: httpx.AsyncClient, clock: ManualClock
) -> None:
    token = await register(client, "Mixed.Case@Example.COM")
    started = clock.now()

    response = await client.get("/auth/status", headers=bearer(token))
    assert response.status_code == 200, response.text
    status = response.json()
    assert status["email"] == "mixed.case@example.com"
    assert status["is_admin"] is False
    # The new account's own data answers at once: no saved keywords yet.
    keywords = await client.get("/me/keywords", headers=bearer(token))
    assert keywords.json() == {"keywords": [], "location": None}
    session = status["session"]
    assert set(session) == {"sid", "created_at", "last_accessed", "expires_at"}
    created = when(session["created_at"])
    assert abs(created.timestamp() - started) < 1
    assert created <= when(session["last_accessed"]) < when(session["expires_at"])

    clock.advance(100)
    later = (await client.get("/auth/status", headers=bearer(token))).json()["session"]
    assert later["sid"] == session["sid"]
    assert when(later["created_at"]) == created
    assert when(later["last_accessed"]) - created == timedelta(seconds=100)


async def test_a_granted_admin_is_admin_on_auth_status(
    server: LiveServer, client: httpx.AsyncClient
) -> None:
    token = await register(client, "Admin@Example.com")
    before = (await client.get("/auth/status", headers=bearer(token))).json()
    assert before["email"] == "admin@example.com"
    assert before["is_admin"] is False
    await grant_admin(server, "admin@example.com")
    status = (await client.get("/auth/status", headers=bearer(token))).json()
    assert status["is_admin"] is True


async def test_register_same_email_in_another_case_is_a_conflict(
    client: httpx.AsyncClient,
) -> None:
    await register(client, "A@X.com")
    response = await client.post("/register", json={"email": "a@x.com", "password": PASSWORD})
    detail = assert_json_error(response, 409)
    assert "exists" in detail


@pytest.mark.parametrize("spelling", ["a@x.com", "A@X.COM", "a@X.Com"])
async def test_login_email_is_case_insensitive(client: httpx.AsyncClient, spelling: str) -> None:
    await register(client, "A@X.com")
    token = await login(client, spelling)
    status = (await client.get("/auth/status", headers=bearer(token))).json()
    assert status["email"] == "a@x.com"


@pytest.mark.parametrize(
    ("password", "reason"),
    [
        ("short77", "string_too_short"),
        ("", "string_too_short"),
        ("p" * 1025, "string_too_long"),
    ],
)
async def test_register_password_length_is_checked(
    client: httpx.AsyncClient, password: str, reason: str
) -> None:
    response = await client.post(
        "/register", json={"email": "len@example.com", "password": password}
    )
    detail = assert_json_error(response, 422)
    assert [(item["type"], item["loc"]) for item in detail] == [(reason, ["body", "password"])]


@pytest.mark.parametrize("password", ["p7" * 4, "p7" * 512])
async def test_register_password_length_bounds_are_inclusive(
    client: httpx.AsyncClient, password: str
) -> None:
    await register(client, f"bound{len(password)}@example.com", password)
    await login(client, f"bound{len(password)}@example.com", password)


@pytest.mark.parametrize(
    "email",
    ["", "not-an-email", "@example.com", "user@", "user@@example.com", "a b@example.com", 42],
)
async def test_register_bad_email_is_422(client: httpx.AsyncClient, email: object) -> None:
    response = await client.post("/register", json={"email": email, "password": PASSWORD})
    detail = assert_json_error(response, 422)
    assert any(item["loc"] == ["body", "email"] for item in detail)


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/register", {"email": "not-an-email", "password": "Secret-Passw0rd-Zebra"}),
        ("/register", {"email": "ok@example.com", "password": "Sec-42"}),
        ("/register", {"email": "ok@example.com", "password": "Secret-Passw0rd-Zebra" * 60}),
        ("/register", {"email": "ok@example.com", "password": "Secret-Passw0rd-Zebra", "x": 1}),
        ("/login", {"email": "not-an-email", "password": "Secret-Passw0rd-Zebra"}),
        ("/login", {"email": "ok@example.com", "password": "Secret-Passw0rd-Zebra" * 60}),
        ("/login", {"email": "ok@example.com", "password": "Secret-Passw0rd-Zebra", "x": 1}),
    ],
)
async def test_validation_errors_never_echo_the_password(
    client: httpx.AsyncClient, path: str, body: dict[str, Any]
) -> None:
    response = await client.post(path, json=body)
    assert_json_error(response, 422)
    assert body["password"] not in response.text
    assert body["password"][:6] not in response.text


# --- login -------------------------------------------------------------------------------


async def test_login_opens_a_new_session_each_time(client: httpx.AsyncClient) -> None:
    first = await register(client, "multi@example.com")
    tokens = [first]
    for _ in range(3):
        response = await client.post(
            "/login", json={"email": "multi@example.com", "password": PASSWORD}
        )
        assert response.status_code == 200, response.text
        body = response.json()
        assert set(body) == {"access_token", "token_type", "expires_at"}
        assert body["token_type"] == "bearer"
        tokens.append(body["access_token"])
    assert len(set(tokens)) == len(tokens)

    sids = []
    for token in tokens:
        response = await client.get("/auth/status", headers=bearer(token))
        assert response.status_code == 200, response.text
        sids.append(response.json()["session"]["sid"])
    assert len(set(sids)) == len(sids)


async def test_wrong_password_and_unknown_email_look_the_same(
    client: httpx.AsyncClient,
) -> None:
    await register(client, "known@example.com")
    wrong_password = await client.post(
        "/login", json={"email": "known@example.com", "password": "not the password"}
    )
    unknown_email = await client.post(
        "/login", json={"email": "nobody@example.com", "password": PASSWORD}
    )
    for response in (wrong_password, unknown_email):
        assert_json_error(response, BAD_CREDENTIALS_STATUS)
        assert response.headers["www-authenticate"] == "Bearer"
        assert "access_token" not in response.text
    assert wrong_password.json() == unknown_email.json()


async def test_401_carries_www_authenticate_bearer(client: httpx.AsyncClient) -> None:
    missing = await client.get("/auth/status")
    garbage = await client.get("/auth/status", headers=bearer("garbage"))
    for response in (missing, garbage):
        assert_json_error(response, 401)
        assert response.headers["www-authenticate"] == "Bearer"


async def test_the_scheme_is_bearer_in_any_case_and_nothing_else(
    client: httpx.AsyncClient,
) -> None:
    token = await register(client, "scheme@example.com")
    for scheme in ("Bearer", "bearer", "BEARER"):
        answer = await client.get("/auth/status", headers={"Authorization": f"{scheme} {token}"})
        assert answer.status_code == 200, (scheme, answer.text)
    for value in (f"Basic {token}", token, "Bearer", f"Bearer  {token}x"):
        answer = await client.get("/auth/status", headers={"Authorization": value})
        assert_json_error(answer, 401)
        assert answer.headers["www-authenticate"] == "Bearer"


# --- throttling --------------------------------------------------------------------------


async def _fail_login(client: httpx.AsyncClient, email: str) -> httpx.Response:
    return await client.post("/login", json={"email": email, "password": "wrong password"})


async def test_repeated_failures_lock_the_account_out(make_server: ServerFactory) -> None:
    server = await make_server(login_max_failures=3, login_lockout=60)
    async with server.client() as client:
        await register(client, "victim@example.com")
        for _ in range(3):
            assert (await _fail_login(client, "victim@example.com")).status_code == 401

        locked = await client.post(
            "/login", json={"email": "victim@example.com", "password": PASSWORD}
        )
        detail = assert_json_error(locked, 429)
        retry_after = locked.headers["retry-after"]
        assert retry_after.isdigit(), retry_after
        assert 1 <= int(retry_after) <= 60
        assert retry_after in detail
        assert "access_token" not in locked.text

        other_case = await client.post(
            "/login", json={"email": "VICTIM@example.com", "password": PASSWORD}
        )
        assert other_case.status_code == 429


async def test_lockout_of_one_account_leaves_others_alone(
    make_server: ServerFactory,
) -> None:
    server = await make_server(login_max_failures=3, login_lockout=60)
    async with server.client() as client:
        await register(client, "victim@example.com")
        await register(client, "bystander@example.com")
        for _ in range(3):
            await _fail_login(client, "victim@example.com")
        assert (await _fail_login(client, "victim@example.com")).status_code == 429

        await login(client, "bystander@example.com")
        assert (await _fail_login(client, "bystander@example.com")).status_code == 401


async def test_lockout_ends_after_the_lockout_period(
    make_server: ServerFactory, clock: ManualClock
) -> None:
    server = await make_server(login_max_failures=3, login_lockout=60)
    async with server.client() as client:
        await register(client, "patient@example.com")
        for _ in range(3):
            await _fail_login(client, "patient@example.com")
        locked = await client.post(
            "/login", json={"email": "patient@example.com", "password": PASSWORD}
        )
        assert locked.status_code == 429

        clock.advance(30)
        still = await client.post(
            "/login", json={"email": "patient@example.com", "password": PASSWORD}
        )
        assert still.status_code == 429
        assert 1 <= int(still.headers["retry-after"]) <= 30

        clock.advance(31)
        token = await login(client, "patient@example.com")
        status = await client.get("/auth/status", headers=bearer(token))
        assert status.status_code == 200


async def test_successful_login_resets_the_failure_count(
    make_server: ServerFactory,
) -> None:
    server = await make_server(login_max_failures=3, login_lockout=60)
    async with server.client() as client:
        await register(client, "forgetful@example.com")
        for _ in range(2):
            assert (await _fail_login(client, "forgetful@example.com")).status_code == 401
        await login(client, "forgetful@example.com")
        for _ in range(2):
            assert (await _fail_login(client, "forgetful@example.com")).status_code == 401
        await login(client, "forgetful@example.com")


async def test_unknown_email_is_throttled_too(make_server: ServerFactory) -> None:
    server = await make_server(login_max_failures=3, login_lockout=60)
    async with server.client() as client:
        for _ in range(3):
            assert (await _fail_login(client, "ghost@example.com")).status_code == 401
        assert (await _fail_login(client, "ghost@example.com")).status_code == 429


# --- tokens ------------------------------------------------------------------------------


def _forge(claims: dict[str, Any], secret: str = TEST_SECRET) -> str:
    return jwt.encode(claims, secret, algorithm="HS256")


async def _expect_401(client: httpx.AsyncClient, token: str) -> str:
    response = await client.get("/auth/status", headers=bearer(token))
    detail = assert_json_error(response, 401)
    assert response.headers["www-authenticate"] == "Bearer"
    assert isinstance(detail, str)
    return detail


async def test_genuine_token_claims(client: httpx.AsyncClient, clock: ManualClock) -> None:
    token = await register(client, "claims@example.com")
    claims = claims_of(token)
    assert set(claims) >= {"sub", "sid", "jti", "iat", "exp"}
    assert jwt.get_unverified_header(token)["alg"] == "HS256"
    assert claims["exp"] > clock.now()
    # Sanity: a re-signed copy of the genuine claims is accepted, so the 401s below are
    # caused by what each test changes, not by how the tests sign tokens.
    response = await client.get("/auth/status", headers=bearer(_forge(claims)))
    assert response.status_code == 200, response.text


async def test_tampered_signature_is_401(client: httpx.AsyncClient) -> None:
    token = await register(client, "tamper@example.com")
    header, payload, signature = token.split(".")
    flipped = ("A" if signature[0] != "A" else "B") + signature[1:]
    await _expect_401(client, f"{header}.{payload}.{flipped}")
    await _expect_401(client, f"{header}.{payload}.")


async def test_tampered_payload_is_401(client: httpx.AsyncClient) -> None:
    victim = await register(client, "victim@example.com")
    attacker = await register(client, "attacker@example.com")
    _h, victim_payload, _s = victim.split(".")
    header, _p, signature = attacker.split(".")
    await _expect_401(client, f"{header}.{victim_payload}.{signature}")


async def test_token_signed_with_another_secret_is_401(client: httpx.AsyncClient) -> None:
    token = await register(client, "secret@example.com")
    claims = claims_of(token)
    await _expect_401(client, _forge(claims, "another-secret-that-is-also-long-enough-0123456789"))


async def test_alg_none_token_is_401(client: httpx.AsyncClient) -> None:
    token = await register(client, "none@example.com")
    unsigned = jwt.encode(claims_of(token), None, algorithm="none")
    await _expect_401(client, unsigned)


@pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning")
async def test_token_with_another_hmac_algorithm_is_401(client: httpx.AsyncClient) -> None:
    token = await register(client, "hs512@example.com")
    await _expect_401(client, jwt.encode(claims_of(token), TEST_SECRET, algorithm="HS512"))


@pytest.mark.parametrize("claim", ["sub", "sid", "jti", "iat", "exp"])
async def test_token_missing_a_claim_is_401(client: httpx.AsyncClient, claim: str) -> None:
    token = await register(client, f"missing-{claim}@example.com")
    claims = claims_of(token)
    del claims[claim]
    await _expect_401(client, _forge(claims))


@pytest.mark.parametrize(
    ("claim", "value"),
    [("sub", "not-a-number"), ("sub", None), ("exp", "tomorrow"), ("sid", "no-such-session")],
)
async def test_token_with_a_bad_claim_is_401(
    client: httpx.AsyncClient, claim: str, value: object
) -> None:
    token = await register(client, "badclaim@example.com")
    claims = claims_of(token)
    claims[claim] = value
    await _expect_401(client, _forge(claims))


async def test_token_for_another_users_session_is_401(client: httpx.AsyncClient) -> None:
    alice = claims_of(await register(client, "alice@example.com"))
    bob = claims_of(await register(client, "bob@example.com"))
    await _expect_401(client, _forge({**alice, "sub": bob["sub"]}))


@pytest.mark.parametrize("value", ["not.a.jwt", "a.b.c", "Bearer", "e30.e30.", "x" * 5000])
async def test_garbage_token_is_401(client: httpx.AsyncClient, value: str) -> None:
    response = await client.get("/auth/status", headers={"Authorization": f"Bearer {value}"})
    assert_json_error(response, 401)


async def test_non_bearer_authorization_is_401(client: httpx.AsyncClient) -> None:
    token = await register(client, "basic@example.com")
    response = await client.get("/auth/status", headers={"Authorization": f"Token {token}"})
    assert_json_error(response, 401)
    response = await client.get("/auth/status", auth=("basic@example.com", PASSWORD))
    assert_json_error(response, 401)


async def test_expired_token_is_401(make_server: ServerFactory, clock: ManualClock) -> None:
    server = await make_server(jwt_ttl=60)
    async with server.client() as client:
        response = await client.post(
            "/register", json={"email": "expiry@example.com", "password": PASSWORD}
        )
        token = response.json()["access_token"]
        assert when(response.json()["expires_at"]).timestamp() == int(clock.now()) + 60

        clock.advance(30)
        assert (await client.get("/auth/status", headers=bearer(token))).status_code == 200

        clock.advance(31)
        detail = await _expect_401(client, token)
        assert "expired" in detail
        # A fresh login still works: the account is fine, only the token is stale.
        fresh = await login(client, "expiry@example.com")
        assert (await client.get("/auth/status", headers=bearer(fresh))).status_code == 200


async def test_token_is_refused_once_its_session_idles_out(
    make_server: ServerFactory, clock: ManualClock
) -> None:
    server = await make_server(session_idle_timeout=120, jwt_ttl=3600)
    async with server.client() as client:
        token = await register(client, "idle@example.com")
        clock.advance(100)
        assert (await client.get("/auth/status", headers=bearer(token))).status_code == 200
        clock.advance(100)
        assert (await client.get("/auth/status", headers=bearer(token))).status_code == 200
        clock.advance(121)
        detail = await _expect_401(client, token)
        assert "session" in detail


async def test_token_is_refused_after_logout_everywhere(client: httpx.AsyncClient) -> None:
    token = await register(client, "leaver@example.com")
    headers = bearer(token)
    assert (await client.get("/runs", headers=headers)).status_code == 200

    logout = await client.post("/logout", headers=headers)
    assert logout.status_code == 200, logout.text
    assert logout.json() == {"detail": "logged out"}

    requests = [
        client.get("/auth/status", headers=headers),
        client.post("/job-postings", json={"keywords": ["python"]}, headers=headers),
        client.get("/runs", headers=headers),
        client.post("/logs/ticket", headers=headers),
        client.post("/logout", headers=headers),
        client.get("/logs", headers=headers),
    ]
    for response in await asyncio.gather(*requests):
        assert_json_error(response, 401)
        assert response.headers["www-authenticate"] == "Bearer"


async def test_logout_ends_only_that_session(client: httpx.AsyncClient) -> None:
    first = await register(client, "two@example.com")
    second = await login(client, "two@example.com")
    assert (await client.post("/logout", headers=bearer(first))).status_code == 200
    assert (await client.get("/auth/status", headers=bearer(first))).status_code == 401
    assert (await client.get("/auth/status", headers=bearer(second))).status_code == 200


# --- caching -----------------------------------------------------------------------------


async def test_auth_responses_are_not_cached(client: httpx.AsyncClient) -> None:
    registered = await client.post(
        "/register", json={"email": "cache@example.com", "password": PASSWORD}
    )
    logged_in = await client.post(
        "/login", json={"email": "cache@example.com", "password": PASSWORD}
    )
    status = await client.get("/auth/status", headers=bearer(logged_in.json()["access_token"]))
    for response in (registered, logged_in, status):
        assert response.status_code < 300, response.text
        assert response.headers["cache-control"] == "no-store"


# --- bad input ---------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/register", "/login"])
async def test_malformed_json_is_422(client: httpx.AsyncClient, path: str) -> None:
    response = await client.post(
        path,
        content=b'{"email": "x@example.com", "password": ',
        headers={"Content-Type": "application/json"},
    )
    detail = assert_json_error(response, 422)
    assert detail[0]["type"] == "json_invalid"


@pytest.mark.parametrize(
    "body",
    [
        {"email": "types@example.com", "password": 1234567890},
        {"email": "types@example.com", "password": ["correct horse battery"]},
        {"email": "types@example.com", "password": None},
        {"email": "types@example.com", "password": True},
        {"email": ["types@example.com"], "password": PASSWORD},
    ],
)
@pytest.mark.parametrize("path", ["/register", "/login"])
async def test_wrong_types_are_422(
    client: httpx.AsyncClient, path: str, body: dict[str, Any]
) -> None:
    response = await client.post(path, json=body)
    detail = assert_json_error(response, 422)
    assert detail
    assert all(item["loc"][0] == "body" for item in detail)


@pytest.mark.parametrize("body", [[], "text", 7, None])
async def test_body_that_is_not_an_object_is_422(client: httpx.AsyncClient, body: object) -> None:
    response = await client.post("/register", json=body)
    assert_json_error(response, 422)


@pytest.mark.parametrize("path", ["/register", "/login"])
async def test_unknown_field_is_named_in_the_error(client: httpx.AsyncClient, path: str) -> None:
    response = await client.post(
        path, json={"email": "extra@example.com", "password": PASSWORD, "remember_me": True}
    )
    detail = assert_json_error(response, 422)
    assert ["body", "remember_me"] in [item["loc"] for item in detail]


async def test_unknown_field_in_ranking_is_named(client: httpx.AsyncClient) -> None:
    token = await register(client, "rank-typo@example.com")
    response = await client.post(
        "/job-postings", json={"keywords": ["python"], "limt": 5}, headers=bearer(token)
    )
    detail = assert_json_error(response, 422)
    assert ["body", "limt"] in [item["loc"] for item in detail]


@pytest.mark.parametrize("path", ["/register", "/login"])
async def test_missing_body_is_422(client: httpx.AsyncClient, path: str) -> None:
    response = await client.post(path)
    detail = assert_json_error(response, 422)
    assert detail[0]["loc"] == ["body"]


async def test_missing_fields_are_named(client: httpx.AsyncClient) -> None:
    response = await client.post("/register", json={})
    detail = assert_json_error(response, 422)
    assert sorted(tuple(item["loc"]) for item in detail) == [
        ("body", "email"),
        ("body", "password"),
    ]


@pytest.mark.parametrize(
    ("content_type", "content"),
    [
        ("text/plain", b'{"email": "ct@example.com", "password": "correct horse battery"}'),
        ("application/x-www-form-urlencoded", b"email=ct%40example.com&password=correct+horse"),
        ("application/xml", b"<login><email>ct@example.com</email></login>"),
    ],
)
async def test_wrong_content_type_is_a_clear_4xx(
    client: httpx.AsyncClient, content_type: str, content: bytes
) -> None:
    response = await client.post(
        "/register", content=content, headers={"Content-Type": content_type}
    )
    assert 400 <= response.status_code < 500, response.text
    assert response.headers["content-type"].startswith("application/json")
    assert set(response.json()) == {"detail"}
    assert b"correct horse" not in response.content


async def _body_in_chunks(total: int, chunk: int = 500) -> AsyncIterator[bytes]:
    sent = 0
    while sent < total:
        size = min(chunk, total - sent)
        sent += size
        yield b"x" * size


async def test_body_over_the_limit_is_413(make_server: ServerFactory) -> None:
    server = await make_server(max_request_bytes=1000)
    async with server.client() as client:
        payload = {"email": "big@example.com", "password": "p" * 1000}
        response = await client.post("/register", content=b"x" * 5000)
        detail = assert_json_error(response, 413)
        assert "1000" in detail

        response = await client.post("/register", json=payload)
        detail = assert_json_error(response, 413)
        assert "1000" in detail

        # Under the limit still works.
        await register(client, "small@example.com")


@pytest.mark.parametrize("path", ["/register", "/login", "/job-postings/import"])
async def test_streamed_body_over_the_limit_is_413(make_server: ServerFactory, path: str) -> None:
    server = await make_server(max_request_bytes=1000)
    async with server.client() as client:
        token = await register(client, "stream@example.com")
        response = await client.post(
            path,
            content=_body_in_chunks(5000),
            headers={"Content-Type": "application/json", **bearer(token)},
        )
        assert "content-length" not in response.request.headers
        detail = assert_json_error(response, 413)
        assert "1000" in detail


async def test_streamed_body_under_the_limit_is_accepted(make_server: ServerFactory) -> None:
    server = await make_server(max_request_bytes=1000)
    body = b'{"email": "chunked@example.com", "password": "correct horse battery"}'

    async def chunks() -> AsyncIterator[bytes]:
        for start in range(0, len(body), 10):
            yield body[start : start + 10]

    async with server.client() as client:
        response = await client.post(
            "/register", content=chunks(), headers={"Content-Type": "application/json"}
        )
        assert response.status_code == 201, response.text


async def test_server_keeps_serving_after_bad_input(server: LiveServer) -> None:
    started = time.monotonic()
    async with server.client() as client:
        await client.post("/register", content=b"{", headers={"Content-Type": "application/json"})
        await client.post("/register", content=b"\xff\xfe", headers={"Content-Type": "text/plain"})
        await client.post("/login", json={"email": "x@example.com", "password": 1})
        await register(client, "after@example.com")
    assert time.monotonic() - started < 10


# --- admin -------------------------------------------------------------------------------


async def test_admin_sessions_needs_a_token(client: httpx.AsyncClient) -> None:
    response = await client.get("/admin/sessions")
    assert_json_error(response, 401)
    assert response.headers["www-authenticate"] == "Bearer"


async def test_admin_sessions_is_forbidden_to_normal_users(client: httpx.AsyncClient) -> None:
    token = await register(client, "normal@example.com")
    response = await client.get("/admin/sessions", headers=bearer(token))
    detail = assert_json_error(response, 403)
    assert "admin" in detail
    response = await client.delete("/admin/sessions/anything", headers=bearer(token))
    assert_json_error(response, 403)


async def test_admin_sees_and_ends_sessions(server: LiveServer, client: httpx.AsyncClient) -> None:
    admin = await register_admin(server, client, "ADMIN@example.com")
    user = await register(client, "watched@example.com")
    user_sid = (await client.get("/auth/status", headers=bearer(user))).json()["session"]["sid"]

    response = await client.get("/admin/sessions", headers=bearer(admin))
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["active_users"] == 2
    assert body["total_sessions"] == 2
    assert {row["email"] for row in body["sessions"]} == {
        "admin@example.com",
        "watched@example.com",
    }

    ended = await client.delete(f"/admin/sessions/{user_sid}", headers=bearer(admin))
    assert ended.status_code == 200, ended.text
    assert (await client.get("/auth/status", headers=bearer(user))).status_code == 401
    again = await client.delete(f"/admin/sessions/{user_sid}", headers=bearer(admin))
    assert_json_error(again, 404)
