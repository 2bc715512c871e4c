"""Fixtures: settings in a temporary DATA_DIR, a live server on 127.0.0.1, a manual clock."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fake_board import quick_http
from services_available import fresh_postgres_database, fresh_redis_prefix
from support import LiveServer, ManualClock, start_server

from dreamjobsearch.app import create_app
from dreamjobsearch.config import Settings
from dreamjobsearch.services import Services, build_services
from dreamjobsearch.sources.catalog import base_urls
from dreamjobsearch.sources.http import RunHttp
from dreamjobsearch.storage.migrate import upgrade

TEST_SECRET = "test-secret-that-is-long-enough-for-hs256-0123456789"
CLOSED_PORT_URL = "http://127.0.0.1:9"
BOARD_URL_SETTINGS = tuple(f"{name}_base_url" for name in base_urls({}))
# The cheapest Argon2 the settings accept: hashing at full cost would be a good part of the
# suite's time. Tests marked `default_password_cost` (the tests of hashing) keep the default.
CHEAP_PASSWORD_COST = {"argon2_memory_kib": 7168, "argon2_time_cost": 1}

# The CLI's console takes its width from COLUMNS once, when it is imported. Test workers
# can inherit a COLUMNS of 80 (xdist's do), which would wrap long lines the CLI tests read:
# they set the width they want when they run a command.
os.environ.pop("COLUMNS", None)
# Each `dreamjob` process a test starts imports the whole app: from source that is 3 s of
# CPU, from cached bytecode 1 s. Where PYTHONDONTWRITEBYTECODE forbids the cache, tests
# keep one of their own in .pytest_cache, outside the source tree.
if os.environ.pop("PYTHONDONTWRITEBYTECODE", None):
    os.environ.setdefault(
        "PYTHONPYCACHEPREFIX", str(Path(__file__).resolve().parent.parent / ".pytest_cache/pyc")
    )

SettingsFactory = Callable[..., Settings]
ServerFactory = Callable[..., Awaitable[LiveServer]]


@pytest.fixture
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No DREAMJOB_* variable of the machine running the tests leaks in; no stray .env."""
    for name in list(os.environ):
        if name.upper().startswith("DREAMJOB_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)


@pytest.fixture
async def run_http() -> AsyncIterator[RunHttp]:
    """A run's HTTP session for sources, with no pacing and quick retries."""
    async with quick_http() as session:
        yield session


@pytest.fixture
def http(run_http: RunHttp) -> RunHttp:
    """`run_http` by the short name the board tests use."""
    return run_http


@pytest.fixture
def clock() -> ManualClock:
    """Time that moves only when the test advances it."""
    return ManualClock()


@pytest.fixture
def make_settings(tmp_path: Path, request: pytest.FixtureRequest) -> SettingsFactory:
    """Settings in a fresh DATA_DIR (SQLite there), with overrides."""
    default_cost = request.node.get_closest_marker("default_password_cost") is not None

    def make(**overrides: Any) -> Settings:
        values: dict[str, Any] = {
            "data_dir": tmp_path / "data",
            "jwt_secret": TEST_SECRET,
            **({} if default_cost else CHEAP_PASSWORD_COST),
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
async def services(make_settings: SettingsFactory) -> AsyncIterator[Services]:
    """The services of one process (users, postings, ranking) on SQLite in the test's
    DATA_DIR, without a server."""
    built = await build_services(make_settings())
    yield built
    await built.aclose()


@pytest.fixture(scope="session")
def migrated_database(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """A SQLite database file at the newest schema, migrated once for the whole session."""
    path = tmp_path_factory.mktemp("template") / "dreamjob.db"
    upgrade(f"sqlite:///{path}")
    return path.read_bytes()


def start_from_template(settings: Settings, template: bytes) -> None:
    """Give a server its SQLite file as a copy of the migrated template (if it has none yet).

    What start-up would create, only without running every migration again: the same
    schema, a private (0600) file in a private DATA_DIR; start-up then finds it up to date.
    """
    if settings.database_url is None:
        seed_data_dir(settings.ensure_data_dir(), template)


def seed_data_dir(data_dir: Path, template: bytes) -> None:
    """`start_from_template` for a `dreamjob` process's DATA_DIR (made private if new)."""
    data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    database = data_dir / "dreamjob.db"
    try:
        descriptor = os.open(database, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    except FileExistsError:
        return  # a database a test made or an earlier server left: keep it
    with os.fdopen(descriptor, "wb") as file:
        file.write(template)


@pytest.fixture
async def make_server(
    make_settings: SettingsFactory, clock: ManualClock, migrated_database: bytes
) -> AsyncIterator[ServerFactory]:
    """Start live servers (stopped at the end of the test) with setting overrides."""
    servers: list[LiveServer] = []

    async def make(settings: Settings | None = None, **overrides: Any) -> LiveServer:
        settings = settings or make_settings(**overrides)
        start_from_template(settings, migrated_database)
        app = create_app(settings, clock)
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


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A fresh PostgreSQL database of this test's own, dropped after it (skips, or fails
    under DREAMJOB_REQUIRE_SERVICES=1, when PostgreSQL is not running)."""
    with fresh_postgres_database() as url:
        yield url


@pytest.fixture
async def postgres_services(
    make_settings: SettingsFactory, postgres_url: str
) -> AsyncIterator[Services]:
    """The services built on `postgres_url`, as a server builds them; closed after the test."""
    built = await build_services(make_settings(database_url=postgres_url))
    try:
        yield built
    finally:
        await built.aclose()


@pytest.fixture
async def prefix() -> AsyncIterator[str]:
    """A Redis key and channel prefix of this test's own, its keys deleted after it (skips,
    or fails under DREAMJOB_REQUIRE_SERVICES=1, when Redis is not running)."""
    async for value in fresh_redis_prefix():
        yield value
