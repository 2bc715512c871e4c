"""Settings: one object, read from the environment (prefix ``DREAMJOB_``) and ``.env``.

The object is built once (by the CLI or by tests) and passed down; nothing below reads the
environment on its own, so two apps with different settings can live in one process.
"""

from __future__ import annotations

import logging
import os
import secrets
from enum import StrEnum
from pathlib import Path
from typing import Annotated

from pydantic import Field, PositiveInt, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

logger = logging.getLogger(__name__)

JWT_SECRET_FILE = "jwt_secret"  # noqa: S105 -- a file name, not a secret


class SessionStoreKind(StrEnum):
    """Where session records live."""

    MEMORY = "memory"


class LimitPolicy(StrEnum):
    """What a login does when a session limit is reached."""

    EVICT_OLDEST = "evict_oldest"
    REFUSE = "refuse"


class Settings(BaseSettings):
    """Every knob of the service; durations are integer seconds."""

    model_config = SettingsConfigDict(
        env_prefix="DREAMJOB_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    data_dir: Path = Path(".dreamjob")
    database_url: str | None = None
    jwt_secret: SecretStr | None = None
    jwt_ttl: PositiveInt = 3600
    admin_emails: Annotated[frozenset[str], NoDecode] = frozenset()
    session_store: SessionStoreKind = SessionStoreKind.MEMORY
    session_idle_timeout: PositiveInt = 1800
    session_absolute_timeout: PositiveInt = 43200
    session_max_total: PositiveInt = 10000
    session_max_per_user: PositiveInt = 5
    session_limit_policy: LimitPolicy = LimitPolicy.EVICT_OLDEST
    session_sweep_interval: PositiveInt = 60
    login_max_failures: PositiveInt = 5
    login_lockout: PositiveInt = 900
    log_ticket_ttl: PositiveInt = 30
    log_queue_size: PositiveInt = 1000
    log_heartbeat_interval: PositiveInt = 15
    max_request_bytes: PositiveInt = 10 * 1024 * 1024
    run_concurrency: PositiveInt = 4
    log_level: str = "INFO"
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=0, le=65535)

    @field_validator("admin_emails", mode="before")
    @classmethod
    def _split_emails(cls, value: object) -> object:
        """Accept a comma-separated string; emails compare case-insensitively."""
        if isinstance(value, str):
            value = value.split(",")
        if isinstance(value, list | tuple | set | frozenset):
            return frozenset(str(item).strip().lower() for item in value if str(item).strip())
        return value

    @property
    def resolved_database_url(self) -> str:
        """The database URL, defaulting to a SQLite file inside DATA_DIR."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'dreamjob.db').resolve()}"

    def ensure_data_dir(self) -> Path:
        """Create DATA_DIR (private to the owner) and return its absolute path."""
        self.data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        return self.data_dir.resolve()

    def jwt_secret_value(self) -> str:
        """The JWT signing secret: the setting, else one generated once and kept in DATA_DIR."""
        if self.jwt_secret is not None:
            return self.jwt_secret.get_secret_value()
        path = self.ensure_data_dir() / JWT_SECRET_FILE
        try:
            return path.read_text(encoding="utf-8").strip()
        except FileNotFoundError:
            pass
        secret = secrets.token_urlsafe(48)
        # O_EXCL makes a concurrent second process read the first one's secret instead of
        # overwriting it; 0600 keeps the key private to the service's user.
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            return path.read_text(encoding="utf-8").strip()
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(secret)
        logger.warning(
            "DREAMJOB_JWT_SECRET is not set: generated one and stored it in %s (mode 0600)", path
        )
        return secret
