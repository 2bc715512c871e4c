"""Fixtures: settings in a temporary DATA_DIR, a live server on 127.0.0.1, a manual clock."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from support import LiveServer, ManualClock, start_server

from dreamjobsearch.app import create_app
from dreamjobsearch.config import Settings

TEST_SECRET = "test-secret-that-is-long-enough-for-hs256-0123456789"
CLOSED_PORT_URL = "http://127.0.0.1:9"
BOARD_URL_SETTINGS = (
    "linkedin_base_url",
    "greenhouse_base_url",
    "lever_base_url",
    "ashby_base_url",
    "arbeitnow_base_url",
)

SettingsFactory = Callable[..., Settings]
ServerFactory = Callable[..., Awaitable[LiveServer]]


@pytest.fixture
def clock() -> ManualClock:
    """Time that moves only when the test advances it."""
    return ManualClock()


@pytest.fixture
def make_settings(tmp_path: Path) -> SettingsFactory:
    """Settings in a fresh DATA_DIR (SQLite there), with overrides."""

    def make(**overrides: Any) -> Settings:
        values: dict[str, Any] = {
            "data_dir": tmp_path / "data",
            "jwt_secret": TEST_SECRET,
            # Tests never reach the real boards: a closed local port unless a test serves one.
            **dict.fromkeys(BOARD_URL_SETTINGS, CLOSED_PORT_URL),
            "linkedin_request_interval": 0,
            "board_request_interval": 0,
            "http_retry_backoff": 0.01,
            "http_max_retry_after": 0.05,
        }
        values.update(overrides)
        return Settings(_env_file=None, **values)

    return make


@pytest.fixture
async def make_server(
    make_settings: SettingsFactory, clock: ManualClock
) -> AsyncIterator[ServerFactory]:
    """Start live servers (stopped at the end of the test) with setting overrides."""
    servers: list[LiveServer] = []

    async def make(settings: Settings | None = None, **overrides: Any) -> LiveServer:
        app = create_app(settings or make_settings(**overrides), clock)
        server = await start_server(app)
        servers.append(server)
        return server

    yield make
    for server in servers:
        await server.stop()


@pytest.fixture
async def server(make_server: ServerFactory) -> LiveServer:
    """A live server on the default test settings."""
    return await make_server()


@pytest.fixture
async def client(server: LiveServer) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client for the live server."""
    async with server.client() as http:
        yield http
