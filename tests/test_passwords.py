"""Password hashing: its cost comes from the settings, old hashes follow a changed cost at
the next login, and hashing runs on threads of its own so nothing else queues behind it."""

from __future__ import annotations

import asyncio

import pytest
from conftest import ServerFactory, SettingsFactory
from pydantic import ValidationError
from support import PASSWORD, login, register

from dreamjobsearch.auth.passwords import Argon2Cost, PasswordHasher
from dreamjobsearch.services import Services

pytestmark = pytest.mark.default_password_cost

OWASP_PREFIX = "$argon2id$v=19$m=19456,t=2,p=1$"
OWASP = Argon2Cost(memory_kib=19456, time_cost=2, parallelism=1)


async def stored_hash(services: Services, email: str) -> str:
    """The password hash the database holds for `email`."""
    user = await services.users.by_email(email)
    assert user is not None
    assert user.password_hash is not None
    return user.password_hash


async def test_passwords_are_hashed_at_owasp_cost_by_default(make_server: ServerFactory) -> None:
    server = await make_server()
    async with server.client() as client:
        await register(client, "ada@example.com")
    assert (await stored_hash(server.services, "ada@example.com")).startswith(OWASP_PREFIX)


async def test_a_changed_cost_reaches_old_hashes_at_their_next_login(
    make_server: ServerFactory, make_settings: SettingsFactory
) -> None:
    first = await make_server()
    async with first.client() as client:
        await register(client, "ada@example.com")
        await register(client, "bob@example.com")
    await first.stop()
    # The same database, served with a higher cost.
    second = await make_server(
        make_settings(argon2_memory_kib=24576, argon2_time_cost=3, argon2_parallelism=2)
    )
    async with second.client() as client:
        wrong = await client.post(
            "/login", json={"email": "bob@example.com", "password": "not the password"}
        )
        assert wrong.status_code == 401
        await login(client, "ada@example.com")
        # The new hash still lets the same password in.
        await login(client, "ada@example.com", PASSWORD)
    upgraded = await stored_hash(second.services, "ada@example.com")
    assert upgraded.startswith("$argon2id$v=19$m=24576,t=3,p=2$")
    # A failed login changes nothing.
    assert (await stored_hash(second.services, "bob@example.com")).startswith(OWASP_PREFIX)


async def test_hashing_never_holds_up_the_shared_thread_pool() -> None:
    hasher = PasswordHasher(OWASP, workers=1)
    try:
        hashes = [asyncio.ensure_future(hasher.hash(f"password {n}")) for n in range(16)]
        # Sixteen hashes (a good half second) wait for the one hashing thread; other work
        # on the default pool (rankings, file parsing) runs at once all the same.
        assert await asyncio.to_thread(lambda: "done") == "done"
        assert not all(job.done() for job in hashes)
        results = await asyncio.gather(*hashes)
        assert len(set(results)) == len(results)
        assert await hasher.verify("password 3", results[3])
        assert not await hasher.verify("password 3", results[4])
        assert not await hasher.verify("password 3", None)
    finally:
        hasher.close()


@pytest.mark.parametrize(
    ("setting", "value"),
    [
        ("argon2_memory_kib", 1024),
        ("argon2_time_cost", 0),
        ("argon2_parallelism", 0),
        ("password_hash_workers", 0),
    ],
)
def test_too_low_a_hashing_setting_is_refused(
    make_settings: SettingsFactory, setting: str, value: int
) -> None:
    with pytest.raises(ValidationError, match=setting):
        make_settings(**{setting: value})
