"""Settings: one object, read from the environment (prefix ``DREAMJOB_``) and ``.env``.

The object is built once (by the CLI or by tests) and passed down; nothing below reads the
environment on its own, so two apps with different settings can live in one process.
"""

from __future__ import annotations

import logging
import os
import re
import secrets
import tempfile
from collections.abc import Callable
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

from pydantic import (
    Field,
    NonNegativeInt,
    PositiveFloat,
    PositiveInt,
    SecretStr,
    field_validator,
    model_validator,
)
from pydantic.fields import FieldInfo
from pydantic_settings import (
    BaseSettings,
    NoDecode,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)

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


ENV_BASE_URL = re.compile(r"^DREAMJOB_([A-Z0-9]+)_BASE_URL$", re.IGNORECASE)
ARGUMENT_BASE_URL = re.compile(r"^([a-z0-9]+)_base_url$")


class BaseUrlEnvironment(PydanticBaseSettingsSource):
    """Every `DREAMJOB_<SOURCE>_BASE_URL` of the environment, as `<source>_base_url`.

    The sources are not listed in `Settings`, so the environment is read by the variables'
    names (a `.env` file's are read as they are by the dotenv source); `Settings` gathers
    them into `base_urls`.
    """

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        """Unused: `__call__` reads every variable at once."""
        return None, field_name, False

    def __call__(self) -> dict[str, Any]:
        """`{"<source>_base_url": url}` for each such variable that is set."""
        found = {}
        for name, value in os.environ.items():
            match = ENV_BASE_URL.match(name)
            if match and value:
                found[f"{match.group(1).lower()}_base_url"] = value
        return found


class Settings(BaseSettings):
    """Every knob of the service; durations are integer seconds."""

    model_config = SettingsConfigDict(
        env_prefix="DREAMJOB_",
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        # Each field's docstring is its description: docs/settings.md is generated from them.
        use_attribute_docstrings=True,
    )

    data_dir: Path = Path(".dreamjob")
    """Where the SQLite database, the generated JWT secret, the secret-key file and users' files
    (`files/<user id>/`, read by `file` sources) live; relative to the working directory."""
    database_url: str | None = None
    """The database, e.g. `postgresql+psycopg://user:pass@host/db`; unset: SQLite in DATA_DIR
    (`dreamjob.db`, WAL mode)."""
    jwt_secret: SecretStr | None = None
    """Signing key for tokens (HS256), at least 32 bytes or the server refuses to start; unset:
    one is generated once, stored in `DATA_DIR/jwt_secret` (mode 0600), and a warning is logged."""
    secret_key: SecretStr | None = None
    """The current key for secrets at rest (32 bytes, urlsafe base64: `dreamjob secrets
    new-key`); unset: keys are kept in `DATA_DIR/secret_keys` (mode 0600), created on first use."""
    secret_old_keys: SecretStr | None = None
    """Retired keys for secrets at rest, comma-separated: they still decrypt, never encrypt."""
    jwt_ttl: PositiveInt = 3600
    """Token lifetime in seconds (never beyond the session's absolute expiry)."""
    # Retired: admin rights are a flag on the account (`dreamjob admin grant EMAIL`). An email
    # list granted them to whoever registered a listed address first, so while it is still
    # set the server refuses to start (`check_retired`) instead of silently ignoring it.
    admin_emails: str = ""
    """Retired: must stay unset (the server refuses to start otherwise); admins are granted
    with `dreamjob admin grant EMAIL`."""
    cors_origins: Annotated[tuple[str, ...], NoDecode] = ()
    """Web origins (comma-separated, scheme://host[:port], e.g. `https://app.example.com`)
    whose scripts may call the API with Bearer tokens; none by default."""
    session_store: SessionStoreKind = SessionStoreKind.MEMORY
    """Where sessions live: `memory` (a restart logs everyone out), `database`, `redis` or
    `lazy` (stateless: the token is the session); see docs/deploy.md."""
    session_idle_timeout: PositiveInt = 1800
    """A session ends after this many seconds without requests."""
    session_absolute_timeout: PositiveInt = 43200
    """And at the latest this many seconds after login."""
    session_max_total: PositiveInt = 10000
    """Sessions on the server; a login beyond it is refused (503 with `Retry-After`) whatever
    the policy, never by ending another user's session."""
    session_max_per_user: PositiveInt = 5
    """Sessions per user (see SESSION_LIMIT_POLICY)."""
    session_limit_policy: LimitPolicy = LimitPolicy.EVICT_OLDEST
    """At SESSION_MAX_PER_USER: `evict_oldest` ends the user's own oldest session,
    `refuse` answers 429."""
    session_sweep_interval: PositiveInt = 60
    """How often (seconds) expired sessions are freed."""
    session_touch_interval: PositiveInt = 60
    """`database`/`redis` stores: record a session's use at most this often (seconds; at
    most a tenth of the idle timeout)."""
    workspace_memory_mb: float = Field(default=256, gt=0, le=1024 * 1024)
    """Memory (MB) a process may give users' workspaces (their ranking indexes above all,
    about 5 MB per 100,000 postings); beyond it the least recently used are dropped and
    rebuilt from stored snapshots when their users come back."""
    session_cache_size: NonNegativeInt = 10000
    """`database`/`redis`/`lazy` stores: sessions (for `lazy`, denylist answers) each process
    caches, least recently used dropped first; every ending is broadcast to every process
    (Redis pub/sub, PostgreSQL LISTEN/NOTIFY), and while that channel is down the cache is
    bypassed. Every store: accounts whose admin flag and state each process caches for a
    second. 0 turns both caches off."""
    redis_url: str | None = None
    """Redis, e.g. `redis://127.0.0.1:6379/0`; needed by the `redis` store and the `queue`
    runner; when set, events, login throttling and sign-up limits go through Redis too."""
    redis_prefix: str = Field(default="dreamjob:", min_length=1, max_length=100)
    """Prefix of every Redis key we write."""
    login_max_failures: PositiveInt = 5
    """Failed logins for one account from one client address within LOGIN_LOCKOUT seconds
    that lock it out (429) until the window passes."""
    argon2_memory_kib: int = Field(default=19456, ge=7168, le=4 * 1024 * 1024)
    """Argon2id's memory cost for passwords, in KiB (at least 7168). The three ARGON2_ defaults
    are OWASP's recommended minimum (19 MiB, 2 passes, 1 lane); a higher cost slows every login
    and sign-up. A hash made at another cost is made again at the current one when its account
    next logs in."""
    argon2_time_cost: int = Field(default=2, ge=1, le=20)
    """Argon2id's passes (at least 1)."""
    argon2_parallelism: int = Field(default=1, ge=1, le=16)
    """Argon2id's lanes (at least 1)."""
    password_hash_workers: PositiveInt | None = None
    """Threads that hash passwords (at least 1); unset: one fewer than the CPU cores. Only
    they queue a burst of logins, so rankings and everything else on the shared thread pool
    never wait behind Argon2id."""
    login_lockout: PositiveInt = 900
    """The window (seconds) of LOGIN_MAX_FAILURES, and how long a lockout lasts."""
    register_max_per_address: PositiveInt = 20
    """Sign-ups one client address may try in an hour; beyond, 429 with `Retry-After`
    (shared through Redis when configured)."""
    log_ticket_ttl: PositiveInt = 30
    """Lifetime (seconds) of a single-use `/logs` ticket."""
    log_queue_size: PositiveInt = 1000
    """Events buffered per log stream; a slower reader loses the oldest."""
    log_heartbeat_interval: PositiveInt = 15
    """Seconds between SSE heartbeats on `/logs`."""
    # Open `GET /logs` streams allowed at once: per session, per user and in this process
    # (each holds a connection and a queue); beyond a cap the answer is 429.
    log_max_streams_per_session: PositiveInt = 5
    """Open `GET /logs` streams per session; 429 with `Retry-After` beyond."""
    log_max_streams_per_user: PositiveInt = 10
    """Open `GET /logs` streams per user (all their sessions, in one process)."""
    log_max_streams_total: PositiveInt = 500
    """Open `GET /logs` streams in one server process."""
    max_request_bytes: PositiveInt = 10 * 1024 * 1024
    """Larger request bodies get 413."""
    max_user_file_bytes: PositiveInt = 10 * 1024 * 1024
    """Largest file a user may upload for `file` sources (413 beyond); an upload is also
    bounded by MAX_REQUEST_BYTES."""
    max_user_files_total_bytes: PositiveInt = 50 * 1024 * 1024
    """All of one user's files together (413 beyond)."""
    max_user_files: PositiveInt = 20
    """How many files one user may keep (413 beyond)."""
    run_concurrency: PositiveInt = 4
    """Update runs executing at once in a process (or a worker); a freed slot goes to the
    user with the fewest runs executing, so one user's queued runs never hold up another's."""
    runner: RunnerKind = RunnerKind.LOCAL
    """`local`: runs execute in the API process; `queue`: on the Redis job queue, for
    `dreamjob worker`s (needs REDIS_URL)."""
    run_heartbeat: PositiveInt = 10
    """`queue`: how often (seconds) a worker reports its runs alive; silent for three of
    these, a run is recorded `interrupted`."""
    worker_shutdown_grace: NonNegativeInt = 10
    """`dreamjob worker`: how long (seconds) a stopping worker lets its runs finish before
    it cuts them off as `interrupted` (keep it under your orchestrator's kill timeout)."""
    runs_max_active_per_user: PositiveInt = 3
    """A user's queued or running runs; one more is refused with 429."""
    run_max_searches: PositiveInt = 200
    """Searches (queries x locations x sources) one run may make; a larger run is refused
    with 422 naming both numbers."""
    saved_searches_max_per_user: PositiveInt = 20
    """Saved searches one user may keep; one more is refused with 429."""
    saved_search_min_every_hours: PositiveInt = 1
    """The shortest schedule a saved search may have (`every_hours`); shorter is a 422."""
    saved_search_min_seconds_between_runs: PositiveInt = 60
    """A saved search run by hand (`POST /saved-searches/{id}/run`) again sooner than this
    after its last run is refused with 429."""
    scheduler_interval_seconds: PositiveFloat = 30.0
    """How often each API process looks for saved searches that are due (the one that claims
    a search first runs it; the others skip it)."""
    smtp_url: SecretStr | None = None
    """Where alert emails go out: `smtp://[user[:password]@]host[:port]` (STARTTLS when
    the server offers it; port 587 by default) or `smtps://...` (TLS from the start; 465).
    Unset: no email, alerts stay in the app."""
    smtp_password: SecretStr | None = None
    """The SMTP password, when it should not sit in `SMTP_URL` (e.g. from a secrets
    manager's environment variable); used when the URL has none."""
    smtp_password_file: Path | None = None
    """A file holding the SMTP password (a Docker or Kubernetes secret, a file your secrets
    manager's agent writes); read at start-up, used when neither the URL nor `SMTP_PASSWORD`
    has one. With none of the three, the password sealed in the vault (`dreamjob secrets
    set smtp-password`) is used, read at each email."""
    smtp_timeout: PositiveFloat = 10.0
    """Seconds an SMTP connection or command may take before the attempt counts as failed."""
    mail_attempts: PositiveInt = 3
    """Tries per alert email (with a growing pause between them); after the last failure
    the run records why (`digest_error`)."""
    mail_retry_backoff: PositiveFloat = 2.0
    """Seconds before the second try of an email; each later pause doubles."""
    mail_from: str = "DreamJobSearch <dreamjob@localhost>"
    """The sender of alert emails (`Name <address>` or an address)."""
    public_url: str = "http://127.0.0.1:8000"
    """The address users reach this server at, for links in emails (the unsubscribe link,
    the app's pages)."""
    base_urls: dict[str, str] = Field(default_factory=dict)
    """Where each source lives, by its name: `DREAMJOB_<SOURCE>_BASE_URL` (such as
    `DREAMJOB_GREENHOUSE_BASE_URL`) points that source at a mirror or a test server; unset,
    it asks the real service. The settings page lists one row per source."""
    linkedin_request_interval: float = Field(default=3.0, ge=0)
    """Seconds between requests to LinkedIn (a third more as random jitter); 0: no wait."""
    board_request_interval: float = Field(default=0.5, ge=0)
    """Seconds between requests to every other host (a fifth more as jitter)."""
    http_proxy: str | None = None
    """A proxy for every request to a board, e.g. `http://proxy:3128`."""
    http_user_agent: str = (
        "DreamJobSearch/0.1 (self-hosted job search; one person's saved searches)"
    )
    """The User-Agent sent to boards."""
    http_timeout: float = Field(default=15.0, gt=0)
    """Seconds per request to a board."""
    http_retries: int = Field(default=3, ge=0, le=10)
    """Retries of network errors, 429 and 5xx."""
    http_retry_backoff: float = Field(default=1.0, ge=0)
    """First backoff in seconds, doubling each retry (with jitter)."""
    http_max_retry_after: float = Field(default=60.0, ge=0)
    """The longest wait (seconds) a `Retry-After` gets."""
    fetch_concurrency: PositiveInt = 4
    """Postings one run fetches at once (each host's pacing still applies)."""
    log_level: str = "INFO"
    """Server log level (ours and uvicorn's; database drivers and HTTP internals, which would
    print statement parameters and headers, stay at `WARNING`)."""
    host: str = "127.0.0.1"
    """Where `serve` listens (`--host` overrides)."""
    forwarded_allow_ips: str = ""
    """Reverse proxies (comma-separated addresses, or `*`) whose `X-Forwarded-For` and
    `X-Forwarded-Proto` headers `serve` believes; none by default (see docs/reverse-proxy.md)."""
    port: int = Field(default=8000, ge=0, le=65535)
    """The port `serve` listens on (`--port` overrides)."""
    keep_alive_timeout: PositiveInt = 5
    """Seconds `serve` keeps an idle connection open. Behind a reverse proxy that reuses
    connections, make it longer than the proxy's own idle timeout: otherwise a request can go
    out on a connection the server is closing at that moment."""
    max_header_bytes: int = Field(default=16384, ge=1024, le=1024 * 1024)
    """The request line and headers, at most; `serve` answers 414 when the request line alone is
    over it (a URL too long), else 431."""
    header_timeout: PositiveInt = 10
    """Seconds a connection has to send a request's headers before `serve` closes it."""
    limit_concurrency: PositiveInt = 800
    """Requests in progress at once (open log streams included); 503 beyond."""
    max_connections: PositiveInt = 1000
    """Open connections; beyond, the longest idle one is closed, or the new one refused."""

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

    @field_validator("smtp_url")
    @classmethod
    def _smtp_scheme(cls, value: SecretStr | None) -> SecretStr | None:
        """Only SMTP addresses; an empty value counts as unset."""
        if value is None or not value.get_secret_value().strip():
            return None
        if not value.get_secret_value().startswith(("smtp://", "smtps://")):
            raise ValueError("DREAMJOB_SMTP_URL must start with smtp:// or smtps://")
        return value

    @field_validator("public_url")
    @classmethod
    def _absolute(cls, value: str) -> str:
        """Links in emails must be absolute."""
        if not value.startswith(("http://", "https://")):
            raise ValueError("DREAMJOB_PUBLIC_URL must start with http:// or https://")
        return value.rstrip("/")

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

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """The usual sources, with the environment's base URLs of sources beside the rest."""
        return (
            init_settings,
            env_settings,
            BaseUrlEnvironment(settings_cls),
            dotenv_settings,
            file_secret_settings,
        )

    @model_validator(mode="before")
    @classmethod
    def _gather_base_urls(cls, data: Any) -> Any:
        # `greenhouse_base_url`, whether an argument, a variable or a `.env` line, is one
        # source's base URL: each comes here by the usual precedence, and joins `base_urls`.
        if not isinstance(data, dict):
            return data
        given = {key: data[key] for key in data if ARGUMENT_BASE_URL.match(key)}
        if not given:
            return data
        rest = {key: value for key, value in data.items() if key not in given}
        urls = {key.removesuffix("_base_url"): value for key, value in given.items()}
        return {**rest, "base_urls": {**rest.get("base_urls", {}), **urls}}

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
