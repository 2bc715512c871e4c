"""Settings: environment variables, durations, the generated JWT secret, the default database."""

from __future__ import annotations

import logging
import stat
from pathlib import Path

import jwt
import pytest
from conftest import ServerFactory
from pydantic import ValidationError
from support import bearer, register

from dreamjobsearch.config import Settings

DURATIONS = (
    "jwt_ttl",
    "session_idle_timeout",
    "session_absolute_timeout",
    "session_sweep_interval",
    "login_lockout",
    "log_ticket_ttl",
    "log_heartbeat_interval",
)


# No DREAMJOB_* variable of the machine running the tests leaks in; no stray .env.
pytestmark = pytest.mark.usefixtures("clean_environment")


def settings_from_env() -> Settings:
    """Settings from the environment only (no .env file)."""
    return Settings(_env_file=None)


def test_settings_read_dreamjob_environment_variables(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("DREAMJOB_DATA_DIR", str(tmp_path / "elsewhere"))
    monkeypatch.setenv("DREAMJOB_DATABASE_URL", "sqlite:///somewhere.db")
    monkeypatch.setenv("DREAMJOB_JWT_SECRET", "from-the-environment-0123456789-abcdefghij")
    monkeypatch.setenv("DREAMJOB_JWT_TTL", "120")
    monkeypatch.setenv("DREAMJOB_SESSION_IDLE_TIMEOUT", "300")
    monkeypatch.setenv("DREAMJOB_SESSION_LIMIT_POLICY", "refuse")
    monkeypatch.setenv("DREAMJOB_LOGIN_MAX_FAILURES", "7")
    monkeypatch.setenv("DREAMJOB_MAX_REQUEST_BYTES", "2048")
    monkeypatch.setenv("DREAMJOB_PORT", "9001")

    settings = settings_from_env()

    assert settings.data_dir == tmp_path / "elsewhere"
    assert settings.resolved_database_url == "sqlite:///somewhere.db"
    assert settings.jwt_secret_value() == "from-the-environment-0123456789-abcdefghij"
    assert settings.jwt_ttl == 120
    assert settings.session_idle_timeout == 300
    assert settings.session_limit_policy.value == "refuse"
    assert settings.login_max_failures == 7
    assert settings.max_request_bytes == 2048
    assert settings.port == 9001


def test_variables_without_the_prefix_are_ignored(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JWT_TTL", "5")
    monkeypatch.setenv("LOG_LEVEL", "DEBUG")
    settings = settings_from_env()
    assert settings.jwt_ttl == 3600
    assert settings.log_level == "INFO"


def test_secret_is_not_shown_in_repr(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DREAMJOB_JWT_SECRET", "do-not-print-me-0123456789-abcdefghijklmnop")
    settings = settings_from_env()
    assert "do-not-print-me" not in repr(settings)
    assert "do-not-print-me" not in str(settings.model_dump())


def test_settings_read_a_dotenv_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    env_file = tmp_path / "custom.env"
    env_file.write_text(
        "DREAMJOB_JWT_TTL=99\nDREAMJOB_LOG_LEVEL=DEBUG\n",
        encoding="utf-8",
    )
    settings = Settings(_env_file=env_file)
    assert settings.jwt_ttl == 99
    assert settings.log_level == "DEBUG"

    monkeypatch.setenv("DREAMJOB_JWT_TTL", "77")
    assert Settings(_env_file=env_file).jwt_ttl == 77  # the environment wins over .env


@pytest.mark.parametrize("name", DURATIONS)
def test_durations_are_integers(monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    monkeypatch.setenv(f"DREAMJOB_{name.upper()}", "42")
    value = getattr(settings_from_env(), name)
    assert value == 42
    assert type(value) is int


@pytest.mark.parametrize("name", DURATIONS)
@pytest.mark.parametrize("raw", ["1.5", "-5", "0", "abc", "10s", "", "1e3"])
def test_bad_durations_fail_validation(
    monkeypatch: pytest.MonkeyPatch, name: str, raw: str
) -> None:
    monkeypatch.setenv(f"DREAMJOB_{name.upper()}", raw)
    with pytest.raises(ValidationError) as caught:
        settings_from_env()
    assert [error["loc"] for error in caught.value.errors()] == [(name,)]


@pytest.mark.parametrize("value", [1.5, -1, 0, "soon"])
def test_bad_durations_fail_validation_in_code(value: object) -> None:
    with pytest.raises(ValidationError):
        Settings(_env_file=None, jwt_ttl=value)


@pytest.mark.parametrize("raw", ["-1", "65536", "http"])
def test_bad_port_fails_validation(monkeypatch: pytest.MonkeyPatch, raw: str) -> None:
    monkeypatch.setenv("DREAMJOB_PORT", raw)
    with pytest.raises(ValidationError):
        settings_from_env()


def test_unknown_limit_policy_fails_validation(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DREAMJOB_SESSION_LIMIT_POLICY", "pray")
    with pytest.raises(ValidationError):
        settings_from_env()


def test_jwt_secret_is_generated_once_and_kept(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    data_dir = tmp_path / "fresh" / "data"
    settings = Settings(_env_file=None, data_dir=data_dir)
    assert settings.jwt_secret is None

    with caplog.at_level(logging.WARNING):
        secret = settings.jwt_secret_value()
    stored = data_dir / "jwt_secret"
    assert stored.read_text(encoding="utf-8").strip() == secret
    assert len(secret) >= 32
    assert stat.S_IMODE(stored.stat().st_mode) == 0o600
    assert stat.S_IMODE(data_dir.stat().st_mode) & 0o077 == 0
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert "DREAMJOB_JWT_SECRET" in warnings[0].getMessage()
    assert str(stored) in warnings[0].getMessage()
    assert secret not in caplog.text

    caplog.clear()
    with caplog.at_level(logging.WARNING):
        assert settings.jwt_secret_value() == secret
        assert Settings(_env_file=None, data_dir=data_dir).jwt_secret_value() == secret
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert stored.read_text(encoding="utf-8").strip() == secret


def test_jwt_secret_differs_between_data_dirs(tmp_path: Path) -> None:
    first = Settings(_env_file=None, data_dir=tmp_path / "one").jwt_secret_value()
    second = Settings(_env_file=None, data_dir=tmp_path / "two").jwt_secret_value()
    assert first != second


def test_configured_jwt_secret_is_used_and_nothing_is_written(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("DREAMJOB_DATA_DIR", str(tmp_path / "configured"))
    monkeypatch.setenv("DREAMJOB_JWT_SECRET", "configured-secret-0123456789-abcdefghijklmn")
    with caplog.at_level(logging.WARNING):
        secret = settings_from_env().jwt_secret_value()
    assert secret == "configured-secret-0123456789-abcdefghijklmn"
    assert not (tmp_path / "configured" / "jwt_secret").exists()
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]


def test_empty_jwt_secret_counts_as_unset(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """`DREAMJOB_JWT_SECRET=` (an empty line in a .env template) must not mean an empty key."""
    monkeypatch.setenv("DREAMJOB_DATA_DIR", str(tmp_path / "empty"))
    monkeypatch.setenv("DREAMJOB_JWT_SECRET", "")
    secret = settings_from_env().jwt_secret_value()
    assert secret
    assert (tmp_path / "empty" / "jwt_secret").read_text(encoding="utf-8").strip() == secret


async def test_server_with_an_empty_jwt_secret_still_logs_in(make_server: ServerFactory) -> None:
    server = await make_server(jwt_secret="")
    async with server.client() as client:
        token = await register(client, "empty-secret@example.com")
        status = await client.get("/auth/status", headers=bearer(token))
        assert status.status_code == 200, status.text


async def test_server_signs_with_the_generated_secret(
    make_server: ServerFactory, tmp_path: Path
) -> None:
    server = await make_server(jwt_secret=None)
    stored = (tmp_path / "data" / "jwt_secret").read_text(encoding="utf-8").strip()
    async with server.client() as client:
        token = await register(client, "generated@example.com")
        jwt.decode(token, stored, algorithms=["HS256"])
        status = await client.get("/auth/status", headers=bearer(token))
        assert status.status_code == 200


def test_default_database_is_sqlite_inside_data_dir(tmp_path: Path) -> None:
    data_dir = tmp_path / "store"
    settings = Settings(_env_file=None, data_dir=data_dir)
    url = settings.resolved_database_url
    assert url.startswith("sqlite:///")
    database = Path(url.removeprefix("sqlite:///"))
    assert database.is_absolute()
    assert database.parent == data_dir.resolve()


def test_default_database_follows_a_relative_data_dir(tmp_path: Path) -> None:
    settings = Settings(_env_file=None, data_dir=Path("relative-data"))
    database = Path(settings.resolved_database_url.removeprefix("sqlite:///"))
    assert database.is_absolute()
    assert database.parent == tmp_path.resolve() / "relative-data"


def test_defaults() -> None:
    settings = settings_from_env()
    assert settings.data_dir == Path(".dreamjob")
    assert settings.database_url is None
    assert settings.jwt_secret is None
    assert settings.admin_emails == ""
    assert settings.jwt_ttl == 3600
    assert settings.host == "127.0.0.1"


async def test_server_uses_sqlite_in_data_dir_by_default(
    make_server: ServerFactory, tmp_path: Path
) -> None:
    server = await make_server()
    async with server.client() as client:
        await register(client, "persisted@example.com")
        health = await client.get("/healthz")
    assert health.status_code == 200
    assert (tmp_path / "data" / "dreamjob.db").is_file()
