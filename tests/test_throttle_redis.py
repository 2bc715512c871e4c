"""With Redis configured, failed logins count on every API process alike."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from conftest import ServerFactory, SettingsFactory
from services_available import REDIS_URL, fresh_redis_prefix
from support import PASSWORD, ManualClock, register

# Needs the real Redis or PostgreSQL (tests/services_available.py).
pytestmark = pytest.mark.services


@pytest.fixture
async def prefix() -> AsyncIterator[str]:
    """A key prefix of this test's own on the real Redis."""
    async for value in fresh_redis_prefix():
        yield value


async def test_failures_on_one_server_lock_the_account_out_on_another(
    make_server: ServerFactory, make_settings: SettingsFactory, prefix: str, clock: ManualClock
) -> None:
    settings = make_settings(
        redis_url=REDIS_URL, redis_prefix=prefix, login_max_failures=3, login_lockout=60
    )
    first = await make_server(settings)
    second = await make_server(settings)
    async with first.client() as on_first, second.client() as on_second:
        await register(on_first, "ada@example.com")
        wrong = {"email": "ada@example.com", "password": "not the password"}
        right = {"email": "ada@example.com", "password": PASSWORD}
        assert (await on_first.post("/login", json=wrong)).status_code == 401
        assert (await on_second.post("/login", json=wrong)).status_code == 401
        assert (await on_first.post("/login", json=wrong)).status_code == 401
        locked = await on_second.post("/login", json=right)
        assert locked.status_code == 429
        assert 1 <= int(locked.headers["Retry-After"]) <= 60
        # Another account is not affected.
        await register(on_second, "bob@example.com")
        clock.advance(61)
        assert (await on_first.post("/login", json=right)).status_code == 200
        # A success forgets the failures everywhere.
        for _ in range(2):
            assert (await on_second.post("/login", json=wrong)).status_code == 401
        assert (await on_first.post("/login", json=right)).status_code == 200
        assert (await on_second.post("/login", json=wrong)).status_code == 401
        assert (await on_second.post("/login", json=right)).status_code == 200
