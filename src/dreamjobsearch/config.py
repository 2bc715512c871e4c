"""Settings: one object, read from the environment (prefix ``DREAMJOB_``) and ``.env``.

The object is built once (by the CLI or by tests) and passed down; nothing below reads the
environment on its own, so two apps with different settings can live in one process.
"""

from __future__ import annotations

import logging
import os
import secrets
import tempfile
from collections.abc import Callable
from enum import StrEnum
from pathlib import Path
from typing import Annotated

from pydantic import Field, PositiveInt, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

logger = logging.getLogger(__name__)

JWT_SECRET_FILE = "jwt_secret"  # noqa: S105 -- a file name, not a secret
MIN_JWT_SECRET_BYTES = 32
ADMIN_EMAILS_RETIRED = (
    "DREAMJOB_ADMIN_EMAILS is no longer read: admin rights are a flag on the account now. "
    "Unset it, then grant them with `dreamjob admin grant EMAIL` (see `dreamjob admin --help`)."
)


class SessionStoreKind(StrEnum):
    """Where session records live."""

    MEMORY = "memory"
    DATABASE = "database"
    REDIS = "redis"
    # Stateless: the session is its token (a denylist ends it). "lazy" is the documented value.
    STATELESS = "lazy"


class RunnerKind(StrEnum):
    """Where update runs execute."""

    LOCAL = "local"
    QUEUE = "queue"


class LimitPolicy(StrEnum):
    """What a login does at the per-user session limit (at the server-wide one it is refused)."""

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
    # Keys for secrets at rest (urlsafe base64 of 32 bytes); unset: a key file in DATA_DIR.
    secret_key: SecretStr | None = None
    secret_old_keys: SecretStr | None = None
    jwt_ttl: PositiveInt = 3600
    # Retired: admin rights are a flag on the account (`dreamjob admin grant EMAIL`). An email
    # list granted them to whoever registered a listed address first, so while it is still
    # set the server refuses to start (`check_retired`) instead of silently ignoring it.
    admin_emails: str = ""
    # Web origins (scheme://host[:port]) whose scripts may call the API; none by default.
    cors_origins: Annotated[tuple[str, ...], NoDecode] = ()
    session_store: SessionStoreKind = SessionStoreKind.MEMORY
    session_idle_timeout: PositiveInt = 1800
    session_absolute_timeout: PositiveInt = 43200
    session_max_total: PositiveInt = 10000
    session_max_per_user: PositiveInt = 5
    session_limit_policy: LimitPolicy = LimitPolicy.EVICT_OLDEST
    session_sweep_interval: PositiveInt = 60
    session_touch_interval: PositiveInt = 60
    session_live_cache: PositiveInt = 1000
    redis_url: str | None = None
    redis_prefix: str = Field(default="dreamjob:", min_length=1, max_length=100)
    login_max_failures: PositiveInt = 5
    # Argon2id's cost for passwords; by default OWASP's recommended minimum (19 MiB, 2
    # passes, 1 lane). A higher cost slows every login and sign-up; a hash made at another
    # cost is made again at the current one when its account next logs in.
    argon2_memory_kib: int = Field(default=19456, ge=7168, le=4 * 1024 * 1024)
    argon2_time_cost: int = Field(default=2, ge=1, le=20)
    argon2_parallelism: int = Field(default=1, ge=1, le=16)
    # Threads that hash passwords; unset: one fewer than the CPU cores (at least one).
    password_hash_workers: PositiveInt | None = None
    login_lockout: PositiveInt = 900
    # Sign-ups one client address may try in an hour (shared through Redis when configured).
    register_max_per_address: PositiveInt = 20
    log_ticket_ttl: PositiveInt = 30
    log_queue_size: PositiveInt = 1000
    log_heartbeat_interval: PositiveInt = 15
    # Open `GET /logs` streams allowed at once: per session, per user and in this process
    # (each holds a connection and a queue); beyond a cap the answer is 429.
    log_max_streams_per_session: PositiveInt = 5
    log_max_streams_per_user: PositiveInt = 10
    log_max_streams_total: PositiveInt = 500
    max_request_bytes: PositiveInt = 10 * 1024 * 1024
    # Each user's file area (`PUT /me/files/{name}`, read by `file` sources): bytes per file,
    # bytes in all, and how many files. An upload is also bounded by MAX_REQUEST_BYTES.
    max_user_file_bytes: PositiveInt = 10 * 1024 * 1024
    max_user_files_total_bytes: PositiveInt = 50 * 1024 * 1024
    max_user_files: PositiveInt = 20
    run_concurrency: PositiveInt = 4
    runner: RunnerKind = RunnerKind.LOCAL
    # `queue`: a worker reports each of its runs alive this often (seconds, at least); a run
    # whose worker has been silent for three times as long is recorded `interrupted`.
    run_heartbeat: PositiveInt = 10
    runs_max_active_per_user: PositiveInt = 3
    # The most searches (queries x locations x sources) one run may make; more is refused (422).
    run_max_searches: PositiveInt = 200
    linkedin_base_url: str = "https://www.linkedin.com"
    greenhouse_base_url: str = "https://boards-api.greenhouse.io"
    lever_base_url: str = "https://api.lever.co"
    ashby_base_url: str = "https://api.ashbyhq.com"
    arbeitnow_base_url: str = "https://www.arbeitnow.com"
    linkedin_request_interval: float = Field(default=3.0, ge=0)
    board_request_interval: float = Field(default=0.5, ge=0)
    http_proxy: str | None = None
    http_user_agent: str = (
        "DreamJobSearch/0.1 (self-hosted job search; one person's saved searches)"
    )
    http_timeout: float = Field(default=15.0, gt=0)
    http_retries: int = Field(default=3, ge=0, le=10)
    http_retry_backoff: float = Field(default=1.0, ge=0)
    http_max_retry_after: float = Field(default=60.0, ge=0)
    fetch_concurrency: PositiveInt = 4
    log_level: str = "INFO"
    host: str = "127.0.0.1"
    # Addresses of reverse proxies whose X-Forwarded-For/-Proto headers are believed
    # (comma-separated, or `*`); empty: none are.
    forwarded_allow_ips: str = ""
    port: int = Field(default=8000, ge=0, le=65535)
    # Seconds an idle client connection is kept open. Behind a reverse proxy that reuses
    # connections, make it longer than the proxy's own idle timeout: otherwise a request
    # can go out on a connection the server is closing at that moment.
    keep_alive_timeout: PositiveInt = 5
    # Connection limits of `dreamjob serve`: the request line and headers together at most
    # MAX_HEADER_BYTES (431 beyond) and complete within HEADER_TIMEOUT seconds (closed
    # otherwise); at most LIMIT_CONCURRENCY requests in progress (503 beyond) and
    # MAX_CONNECTIONS open connections (the longest idle one is closed to make room).
    max_header_bytes: int = Field(default=16384, ge=1024, le=1024 * 1024)
    header_timeout: PositiveInt = 10
    limit_concurrency: PositiveInt = 800
    max_connections: PositiveInt = 1000

    @field_validator("cors_origins", mode="before")
    @classmethod
    def _split_origins(cls, value: object) -> object:
        """Accept a comma-separated string; an origin has no path and no trailing slash."""
        if isinstance(value, str):
            value = value.split(",")
        if isinstance(value, list | tuple):
            origins = tuple(str(item).strip().rstrip("/") for item in value if str(item).strip())
            for origin in origins:
                if origin != "*" and not origin.startswith(("http://", "https://")):
                    raise ValueError(f"CORS origin {origin!r} must start with http:// or https://")
            return origins
        return value

    @field_validator("jwt_secret")
    @classmethod
    def _long_enough(cls, value: SecretStr | None) -> SecretStr | None:
        """Refuse a guessable HS256 key (RFC 8725 3.5: at least as long as the hash)."""
        if value is not None and value.get_secret_value():
            size = len(value.get_secret_value().encode())
            if size < MIN_JWT_SECRET_BYTES:
                raise ValueError(
                    f"DREAMJOB_JWT_SECRET is {size} bytes; it must be at least "
                    f"{MIN_JWT_SECRET_BYTES} (leave it unset to have one generated)"
                )
        return value

    def check_retired(self) -> None:
        """Refuse to run with a setting that no longer does what it says (`ValueError`)."""
        if self.admin_emails.strip():
            raise ValueError(ADMIN_EMAILS_RETIRED)

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
        # An empty value (`DREAMJOB_JWT_SECRET=` in a .env template) counts as unset.
        if self.jwt_secret is not None and self.jwt_secret.get_secret_value():
            return self.jwt_secret.get_secret_value()
        path = self.ensure_data_dir() / JWT_SECRET_FILE
        return private_file(path, lambda: secrets.token_urlsafe(48), "DREAMJOB_JWT_SECRET")


def private_file(path: Path, generate: Callable[[], str], setting: str) -> str:
    """The secret kept in `path` (mode 0600), generated by `generate` if there is none yet."""
    existing = _read_secret_file(path)
    if existing is not None:
        return existing
    secret = generate()
    # Write a private temporary file, then link it into place: the secret file never
    # exists half-written, and a concurrent second process gets FileExistsError and
    # reads the first one's secret instead of overwriting it.
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(secret)
        os.link(temporary, path)
    except FileExistsError:
        existing = _read_secret_file(path)
        if existing is None:
            raise
        return existing
    finally:
        os.unlink(temporary)
    logger.warning("%s is not set: generated one and stored it in %s (mode 0600)", setting, path)
    return secret


def _read_secret_file(path: Path) -> str | None:
    """The secret stored in `path`, None when there is no file; refuses an empty file."""
    try:
        secret = path.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return None
    if not secret:
        raise ValueError(f"{path} is empty: delete it to generate a new secret")
    return secret
