"""Account changes end sessions: a password change ends every other session of the account;
disabling or deleting an account ends all of them at once (on every session store). Also the
token rules of RFC 8725 that settings decide: a short JWT secret refuses to start."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from typing import Any

import httpx
import jwt
import pytest
from conftest import TEST_SECRET, ServerFactory, SettingsFactory
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from pydantic import ValidationError
from support import PASSWORD, LiveServer, bearer, login, register, register_admin, user_id_of

ADMIN = "admin@example.com"
NEW_PASSWORD = "a brand new passphrase"


@pytest.fixture(params=["memory", "database", "lazy"])
async def server(request: pytest.FixtureRequest, make_server: ServerFactory) -> LiveServer:
    """A live server on each kind of session store (the in-process ones are enough here:
    ending sessions goes through the same store protocol on all of them)."""
    return await make_server(session_store=request.param)


async def works(client: httpx.AsyncClient, token: str) -> bool:
    """Whether the token is still accepted."""
    response = await client.get("/auth/status", headers=bearer(token))
    assert response.status_code in (200, 401), response.text
    return response.status_code == 200


async def change(
    client: httpx.AsyncClient, token: str, current: str, new: str = NEW_PASSWORD
) -> httpx.Response:
    """POST /me/password."""
    return await client.post(
        "/me/password",
        json={"current_password": current, "new_password": new},
        headers=bearer(token),
    )


async def test_a_password_change_ends_every_other_session(server: LiveServer) -> None:
    async with server.client() as client:
        here = await register(client, "mover@example.com")
        elsewhere = [await login(client, "mover@example.com") for _ in range(2)]
        bystander = await register(client, "bystander@example.com")

        response = await change(client, here, PASSWORD)
        assert response.status_code == 200, response.text
        assert response.json() == {"detail": "password changed", "ended_sessions": 2}
        assert response.headers["cache-control"] == "no-store"
        assert await works(client, here)
        assert not any([await works(client, token) for token in elsewhere])
        assert await works(client, bystander)

        old = await client.post("/login", json={"email": "mover@example.com", "password": PASSWORD})
        assert old.status_code == 401
        assert await works(client, await login(client, "mover@example.com", NEW_PASSWORD))


async def test_a_wrong_current_password_changes_nothing_and_is_throttled(
    make_server: ServerFactory,
) -> None:
    server = await make_server(login_max_failures=3)
    async with server.client() as client:
        token = await register(client, "guarded@example.com")
        other = await login(client, "guarded@example.com")
        for _ in range(3):
            refused = await change(client, token, "not my password")
            assert refused.status_code == 403
            assert refused.json() == {"detail": "the current password is incorrect"}
        locked = await change(client, token, PASSWORD)
        assert locked.status_code == 429
        assert "try again in" in locked.json()["detail"]
        assert await works(client, other)  # nothing changed, nothing ended
        # The failures count toward the account's login lockout from this client too.
        blocked = await client.post(
            "/login", json={"email": "guarded@example.com", "password": PASSWORD}
        )
        assert blocked.status_code == 429


@pytest.mark.parametrize(
    "body",
    [
        {"current_password": PASSWORD, "new_password": "short"},
        {"current_password": PASSWORD},
        {"current_password": "", "new_password": NEW_PASSWORD},
        {"current_password": PASSWORD, "new_password": NEW_PASSWORD, "extra": True},
    ],
)
async def test_bad_password_changes_are_422(
    make_server: ServerFactory, body: dict[str, Any]
) -> None:
    server = await make_server()
    async with server.client() as client:
        token = await register(client, "sloppy@example.com")
        response = await client.post("/me/password", json=body, headers=bearer(token))
        assert response.status_code == 422, response.text
        assert await works(client, await login(client, "sloppy@example.com", PASSWORD))
        assert (await client.post("/me/password", json=body)).status_code == 401


async def test_disabling_an_account_ends_all_its_sessions_at_once(server: LiveServer) -> None:
    async with server.client() as client:
        admin = await register_admin(server, client, ADMIN)
        tokens = [await register(client, "suspect@example.com")]
        tokens.append(await login(client, "suspect@example.com"))
        user_id = await user_id_of(server, "suspect@example.com")

        disabled = await client.post(f"/admin/users/{user_id}/disable", headers=bearer(admin))
        assert disabled.status_code == 200, disabled.text
        assert disabled.json() == {"detail": "user disabled", "ended_sessions": 2}
        assert not any([await works(client, token) for token in tokens])
        refused = await client.post(
            "/login", json={"email": "suspect@example.com", "password": PASSWORD}
        )
        assert refused.status_code == 401
        users = (await client.get("/admin/users", headers=bearer(admin))).json()
        assert {u["email"]: u["is_active"] for u in users} == {
            ADMIN: True,
            "suspect@example.com": False,
        }

        enabled = await client.post(f"/admin/users/{user_id}/enable", headers=bearer(admin))
        assert enabled.status_code == 200
        assert await works(client, await login(client, "suspect@example.com"))


async def test_deleting_an_account_ends_its_sessions_and_removes_its_data(
    server: LiveServer,
) -> None:
    async with server.client() as client:
        admin = await register_admin(server, client, ADMIN)
        token = await register(client, "leaver@example.com")
        user_id = await user_id_of(server, "leaver@example.com")
        stored = await client.put("/me/secrets/sheets", json={"value": "x"}, headers=bearer(token))
        assert stored.status_code == 204

        deleted = await client.delete(f"/admin/users/{user_id}", headers=bearer(admin))
        assert deleted.status_code == 200, deleted.text
        assert deleted.json() == {"detail": "user deleted", "ended_sessions": 1}
        assert not await works(client, token)
        assert await server.services.users.by_id(user_id) is None
        assert await server.services.vault.names(user_id) == []
        again = await client.delete(f"/admin/users/{user_id}", headers=bearer(admin))
        assert again.status_code == 404
        assert again.json() == {"detail": "no such user"}
        assert await works(client, await register(client, "leaver@example.com"))


async def test_account_actions_are_for_admins_and_not_on_themselves(
    make_server: ServerFactory,
) -> None:
    server = await make_server()
    async with server.client() as client:
        admin = await register_admin(server, client, ADMIN)
        user = await register(client, "plain@example.com")
        admin_id = await user_id_of(server, ADMIN)
        user_id = await user_id_of(server, "plain@example.com")

        for method, path in [
            ("GET", "/admin/users"),
            ("POST", f"/admin/users/{admin_id}/disable"),
            ("DELETE", f"/admin/users/{admin_id}"),
        ]:
            response = await client.request(method, path, headers=bearer(user))
            assert response.status_code == 403, (method, path)
        self_disable = await client.post(f"/admin/users/{admin_id}/disable", headers=bearer(admin))
        assert self_disable.status_code == 409
        assert "your own account" in self_disable.json()["detail"]
        for bad in ("0", "2147483648", "99999999999999999999", "abc"):
            response = await client.delete(f"/admin/users/{bad}", headers=bearer(admin))
            assert response.status_code == 422, (bad, response.text)
        assert (
            await client.delete("/admin/users/424242", headers=bearer(admin))
        ).status_code == 404
        assert await works(client, user)
        assert await works(client, admin)
        # The refused attempts changed no account.
        accounts = (await client.get("/admin/users", headers=bearer(admin))).json()
        assert {(a["id"], a["is_active"]) for a in accounts} == {(admin_id, True), (user_id, True)}


@pytest.mark.parametrize("secret", ["short", "x" * 31])
def test_a_jwt_secret_under_32_bytes_refuses_to_start(
    make_settings: SettingsFactory, secret: str
) -> None:
    with pytest.raises(ValidationError, match="at least 32"):
        make_settings(jwt_secret=secret)
    assert make_settings(jwt_secret="y" * 32).jwt_secret_value() == "y" * 32


async def test_a_token_signed_with_rs256_is_refused(make_server: ServerFactory) -> None:
    server = await make_server()
    async with server.client() as client:
        genuine = await register(client, "victim@example.com")
        claims = jwt.decode(genuine, TEST_SECRET, algorithms=["HS256"])
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        forged = jwt.encode(claims, key, algorithm="RS256")
        assert (await client.get("/auth/status", headers=bearer(forged))).status_code == 401
        # The classic confusion: HS256 keyed with a public key the attacker knows.
        public = key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        assert (
            await client.get("/auth/status", headers=bearer(hs256(claims, public)))
        ).status_code == 401
        # (The same construction with our secret is accepted: the forgery is well-formed.)
        assert (
            await client.get("/auth/status", headers=bearer(hs256(claims, TEST_SECRET.encode())))
        ).status_code == 200


def hs256(claims: dict[str, Any], key: bytes) -> str:
    """A compact HS256 JWS made by hand (PyJWT rightly refuses a PEM key as an HMAC secret)."""

    def part(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

    header = part(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    payload = part(json.dumps(claims).encode())
    signature = hmac.new(key, f"{header}.{payload}".encode(), hashlib.sha256).digest()
    return f"{header}.{payload}.{part(signature)}"
