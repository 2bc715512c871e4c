"""The composition root: builds every shared service from `Settings`, and closes them."""

from __future__ import annotations

import asyncio
import logging
import math
from dataclasses import dataclass
from urllib.parse import urlsplit

from redis.asyncio import Redis
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from dreamjobsearch.auth.passwords import Argon2Cost, PasswordHasher, default_workers
from dreamjobsearch.auth.rate_limit import MemoryRateLimiter, RateLimiter
from dreamjobsearch.auth.rate_limit_redis import RedisRateLimiter
from dreamjobsearch.auth.service import AuthService
from dreamjobsearch.auth.throttle import LoginThrottle, MemoryLoginThrottle
from dreamjobsearch.auth.throttle_redis import RedisLoginThrottle
from dreamjobsearch.auth.tokens import TokenCodec
from dreamjobsearch.clock import Clock, SystemClock
from dreamjobsearch.config import RunnerKind, SessionStoreKind, Settings
from dreamjobsearch.events.base import EventBus
from dreamjobsearch.events.memory import MemoryEventBus
from dreamjobsearch.events.redis import RedisEventBus
from dreamjobsearch.mail.password import SMTP_PASSWORD_SECRET, PasswordLookup, smtp_password
from dreamjobsearch.mail.smtp import MailError, SmtpMailer, SmtpServer
from dreamjobsearch.pipeline import UpdatePipeline
from dreamjobsearch.runs.base import Runner
from dreamjobsearch.runs.fair_queue import FairQueue
from dreamjobsearch.runs.local import LocalRunner
from dreamjobsearch.runs.queue import QueueRunner, queue_name
from dreamjobsearch.runs.starter import RunStarter
from dreamjobsearch.saved_searches.alerts import AlertMaker, DigestMail
from dreamjobsearch.saved_searches.scheduler import Scheduler
from dreamjobsearch.saved_searches.service import SavedSearchLimits, SavedSearchService
from dreamjobsearch.saved_searches.unsubscribe import UnsubscribeLinks
from dreamjobsearch.search.ranker import build_ranker
from dreamjobsearch.sessions.denylist.base import Denylist
from dreamjobsearch.sessions.denylist.cached import CachedDenylist
from dreamjobsearch.sessions.denylist.database import DatabaseDenylist
from dreamjobsearch.sessions.denylist.redis import RedisDenylist
from dreamjobsearch.sessions.invalidation.base import InvalidationChannel
from dreamjobsearch.sessions.invalidation.local import LocalInvalidationChannel
from dreamjobsearch.sessions.invalidation.postgres import PostgresInvalidationChannel
from dreamjobsearch.sessions.invalidation.redis import RedisInvalidationChannel
from dreamjobsearch.sessions.manager import SessionManager, SessionPolicy
from dreamjobsearch.sessions.stores.base import SessionStore
from dreamjobsearch.sessions.stores.cached import CachedSessionStore
from dreamjobsearch.sessions.stores.database import DatabaseSessionStore
from dreamjobsearch.sessions.stores.memory import MemorySessionStore
from dreamjobsearch.sessions.stores.redis import RedisSessionStore
from dreamjobsearch.sessions.stores.stateless import StatelessSessionStore
from dreamjobsearch.sessions.strategies.base import SessionStrategy
from dreamjobsearch.sessions.strategies.stateful import StatefulStrategy
from dreamjobsearch.sessions.strategies.stateless import StatelessStrategy
from dreamjobsearch.sessions.stream_slots import StreamLimits, StreamSlots
from dreamjobsearch.sessions.tickets.base import TicketStore
from dreamjobsearch.sessions.tickets.database import DatabaseTicketStore
from dreamjobsearch.sessions.tickets.issuer import TicketIssuer
from dreamjobsearch.sessions.tickets.memory import MemoryTicketStore
from dreamjobsearch.sessions.tickets.redis import RedisTicketStore
from dreamjobsearch.sources.catalog import SOURCES, base_urls
from dreamjobsearch.sources.http import HostPolicy, PoliteHttp, RetryPolicy
from dreamjobsearch.sources.registry import SourceRegistry
from dreamjobsearch.storage.account_facts import AccountFactsCache
from dreamjobsearch.storage.alerts import AlertRepository
from dreamjobsearch.storage.db import Database, create_engine, database
from dreamjobsearch.storage.migrate import upgrade
from dreamjobsearch.storage.postings import PostingRepository
from dreamjobsearch.storage.runs import RunRepository
from dreamjobsearch.storage.saved_searches import SavedSearchRepository
from dreamjobsearch.storage.secrets import SecretRepository
from dreamjobsearch.storage.server_secrets import ServerSecretRepository
from dreamjobsearch.storage.tracking import TrackingRepository
from dreamjobsearch.storage.user_files import FileLimits, UserFiles
from dreamjobsearch.storage.users import UserRepository
from dreamjobsearch.vault.cipher import UndecryptableError
from dreamjobsearch.vault.keys import load_key_ring
from dreamjobsearch.vault.reencrypt import Reencryption
from dreamjobsearch.vault.server_vault import ServerVault
from dreamjobsearch.vault.vault import SecretVault
from dreamjobsearch.workspace import Workspace, WorkspaceServices
from dreamjobsearch.workspace_pool import WorkspacePool

logger = logging.getLogger(__name__)

# A Redis that stops answering fails requests (503) after this many seconds, never hangs them.
REDIS_TIMEOUT = 5
# REGISTER_MAX_PER_ADDRESS counts the sign-ups of this many seconds.
REGISTRATION_WINDOW = 3600


@dataclass(slots=True)
class Services:
    """Everything the app, the CLI and tests share within one process."""

    settings: Settings
    clock: Clock
    engine: AsyncEngine
    # The database every repository works through, built once here.
    db: Database
    users: UserRepository
    postings: PostingRepository
    runs: RunRepository
    bus: EventBus
    http: PoliteHttp
    redis: Redis | None
    pipeline: UpdatePipeline
    runner: Runner
    workspace_services: WorkspaceServices
    # Each user's one workspace in this process, shared by their sessions, under a budget.
    workspaces: WorkspacePool
    sessions: SessionManager[Workspace]
    auth: AuthService[Workspace]
    vault: SecretVault
    # The server's own credentials (the SMTP password), set with `dreamjob secrets set`.
    server_vault: ServerVault
    # Key rotation's pass over users' and the server's secrets.
    reencryption: Reencryption
    stream_slots: StreamSlots
    # Single-use tickets for `GET /logs`, in the store every process shares when there is one.
    tickets: TicketIssuer[Workspace]
    saved_searches: SavedSearchService
    alerts: AlertRepository
    # Starts due saved searches; only the server starts it (`start_background`).
    scheduler: Scheduler
    # Sends alert emails; None without `SMTP_URL`.
    mailer: SmtpMailer | None = None
    # Carries ended sessions to every process's session cache; None without a cache.
    session_invalidation: InvalidationChannel | None = None

    def workspace_for(self, user_id: int, email: str) -> Workspace:
        """The user's workspace outside any session (the CLI)."""
        return self.workspaces.acquire(user_id, email)

    async def warm_up(self, user_id: int) -> None:
        """Prepare what a user who just logged in asks for first: their ranking index and
        saved keywords (run after the login's response). A failure is logged, never
        raised: the first ranking then does the work itself."""
        await self.workspace_services.ranker.warm_up(user_id)

    async def database_ok(self) -> bool:
        """Whether the database answers."""
        try:
            async with self.engine.connect() as connection:
                await connection.execute(text("SELECT 1"))
        except Exception:
            logger.warning("database health check failed", exc_info=True)
            return False
        return True

    async def redis_ok(self) -> bool | None:
        """Whether Redis answers; None when no Redis is configured."""
        if self.redis is None:
            return None
        try:
            await self.redis.ping()
        except Exception:
            logger.warning("redis health check failed", exc_info=True)
            return False
        return True

    async def recover_runs(self) -> None:
        """Mark runs that a previous server process left unfinished as `interrupted`.

        Only the server calls this at start-up (it owns the runs); a CLI command must not.
        """
        interrupted = await self.runs.interrupt_unfinished()
        if interrupted:
            logger.warning("%d runs were cut off by a previous stop: interrupted", interrupted)

    async def log_mail_login(self) -> None:
        """Say how alert emails log in to the mail server, or warn that they cannot (the
        server and the worker, which send them, call this as they start)."""
        if self.mailer is not None:
            await self.mailer.log_login()

    def start_background(self) -> None:
        """Start the server's background work: the session sweeper and the scheduler of
        saved searches (a CLI command starts neither)."""
        self.sessions.start_sweeper()
        self.scheduler.start()

    async def aclose(self) -> None:
        """Stop the scheduler, runs (they become `interrupted`), sessions' streams, password
        hashing, finish storing ranking indexes, and close the engine."""
        await self.scheduler.stop()
        await self.runner.close()
        await self.sessions.shutdown()
        if self.session_invalidation is not None:
            await self.session_invalidation.aclose()
        self.auth.close()
        await self.workspace_services.ranker.aclose()
        if isinstance(self.bus, RedisEventBus):
            await self.bus.aclose()
        await self.http.aclose()
        if self.redis is not None:
            await self.redis.aclose()
        await self.engine.dispose()


def build_invalidation_channel(
    settings: Settings, engine: AsyncEngine, redis: Redis | None
) -> InvalidationChannel | None:
    """How ended sessions reach every process's cache: through the store the sessions (or
    the stateless store's denylist) live in. None where nothing is cached: the memory store
    is a cache of its own, and SESSION_CACHE_SIZE=0 turns caching off."""
    kind = settings.session_store
    if kind is SessionStoreKind.MEMORY or settings.session_cache_size == 0:
        return None
    in_redis = kind is SessionStoreKind.REDIS or kind is SessionStoreKind.STATELESS
    if in_redis and redis is not None and settings.redis_url:
        return RedisInvalidationChannel(redis, settings.redis_url, settings.redis_prefix)
    if engine.dialect.name == "postgresql":
        return PostgresInvalidationChannel(engine)
    # SQLite: one process serves the file, so the cache only has to hear this process.
    return LocalInvalidationChannel()


def build_session_store(
    settings: Settings,
    engine: AsyncEngine,
    redis: Redis | None,
    clock: Clock,
    channel: InvalidationChannel | None = None,
) -> SessionStore:
    """The session store the settings choose; with a channel, behind this process's cache."""
    kind = settings.session_store
    # Touches are throttled, so a session's recorded last use can lag by the interval:
    # keep that small next to the idle timeout.
    touch_interval = min(settings.session_touch_interval, settings.session_idle_timeout / 10)
    store: SessionStore
    if kind is SessionStoreKind.DATABASE:
        store = DatabaseSessionStore(engine, touch_interval)
    elif kind is SessionStoreKind.REDIS:
        if redis is None:
            raise ValueError("DREAMJOB_SESSION_STORE=redis needs DREAMJOB_REDIS_URL")
        store = RedisSessionStore(
            redis, settings.session_idle_timeout, touch_interval, settings.redis_prefix, clock
        )
    elif kind is SessionStoreKind.STATELESS:
        return _stateless_store(settings, engine, redis, clock, channel)
    else:
        return MemorySessionStore()
    if channel is None:
        return store
    return CachedSessionStore(
        store, channel, settings.session_cache_size, settings.session_idle_timeout, clock
    )


def _stateless_store(
    settings: Settings,
    engine: AsyncEngine,
    redis: Redis | None,
    clock: Clock,
    channel: InvalidationChannel | None,
) -> StatelessSessionStore:
    """The ledger and denylist in Redis when there is one, else in the database; with a
    channel, the denylist behind this process's cache, and expiries broadcast."""
    ledger: SessionStore
    denylist: Denylist
    if redis is not None:
        # The ledger is never touched: its keys live until the session's absolute expiry.
        ledger = RedisSessionStore(
            redis, stateless_lifetime(settings), math.inf, f"{settings.redis_prefix}lazy:", clock
        )
        denylist = RedisDenylist(redis, settings.redis_prefix)
    else:
        ledger = DatabaseSessionStore(engine, math.inf)
        denylist = DatabaseDenylist(engine)
    if channel is not None:
        denylist = CachedDenylist(denylist, channel, settings.session_cache_size)
    return StatelessSessionStore(ledger, denylist, clock, channel)


def stateless_lifetime(settings: Settings) -> int:
    """How long a stateless (`lazy`) session lasts: its one token's lifetime (it cannot be
    renewed)."""
    return min(settings.session_absolute_timeout, settings.jwt_ttl)


def build_ticket_store(settings: Settings, engine: AsyncEngine, redis: Redis | None) -> TicketStore:
    """Redis when configured; else the database when sessions are shared through it (so any
    process can redeem a ticket); else this process's memory (the memory session store
    serves one process anyway)."""
    if redis is not None:
        return RedisTicketStore(redis, settings.redis_prefix)
    if settings.session_store in (SessionStoreKind.DATABASE, SessionStoreKind.STATELESS):
        return DatabaseTicketStore(engine)
    return MemoryTicketStore()


def build_session_manager(
    settings: Settings,
    store: SessionStore,
    clock: Clock,
    bus: EventBus,
    users: UserRepository,
    workspaces: WorkspacePool,
    shared: tuple[object, ...],
    endings: InvalidationChannel | None = None,
) -> SessionManager[Workspace]:
    """The session manager over the store, with the settings' timeouts and limits; it hears
    sessions ending on other processes through `endings` (the session cache's channel)."""

    def policy(absolute_timeout: int) -> SessionPolicy:
        return SessionPolicy(
            idle_timeout=settings.session_idle_timeout,
            absolute_timeout=absolute_timeout,
            max_total=settings.session_max_total,
            max_per_user=settings.session_max_per_user,
            limit_policy=settings.session_limit_policy,
            sweep_interval=settings.session_sweep_interval,
        )

    strategy: SessionStrategy
    if isinstance(store, StatelessSessionStore):
        strategy = StatelessStrategy(store, users.active_email)
        lifetime = stateless_lifetime(settings)
    else:
        strategy = StatefulStrategy(store, settings.session_idle_timeout)
        lifetime = settings.session_absolute_timeout
    return SessionManager(
        store,
        policy(lifetime),
        clock,
        bus,
        workspaces,
        shared=shared,
        strategy=strategy,
        endings=endings,
    )


async def build_runner(settings: Settings, pipeline: UpdatePipeline) -> Runner:
    """In this process (`local`), or on the job queue for `dreamjob worker`s (`queue`)."""
    if settings.runner is RunnerKind.QUEUE:
        if not settings.redis_url:
            raise ValueError("DREAMJOB_RUNNER=queue needs DREAMJOB_REDIS_URL")
        queue = FairQueue.from_url(settings.redis_url, name=queue_name(settings.redis_prefix))
        await queue.connect()
        return QueueRunner(queue, settings.run_heartbeat)
    return LocalRunner(pipeline, settings.run_concurrency)


def build_http(settings: Settings) -> PoliteHttp:
    """The shared HTTP client: LinkedIn paced as the settings say, other boards faster; on
    each source's host, the answers its source calls a block (`SourceKind.blocked_statuses`)
    open that host's circuit for the run."""
    board_interval = settings.board_request_interval
    urls = base_urls(settings.base_urls)
    blocked: dict[str, frozenset[int]] = {}
    for name, url in urls.items():
        host = urlsplit(url).netloc.lower()
        blocked[host] = blocked.get(host, frozenset()) | SOURCES[name].blocked_statuses
    policies = {
        host: HostPolicy(
            interval=board_interval,
            jitter=board_interval / 5,
            concurrency=2,
            blocked_statuses=statuses,
        )
        for host, statuses in blocked.items()
    }
    linkedin_host = urlsplit(urls["linkedin"]).netloc.lower()
    linkedin_interval = settings.linkedin_request_interval
    policies[linkedin_host] = HostPolicy(
        interval=linkedin_interval,
        jitter=linkedin_interval / 3,
        concurrency=1,
        blocked_statuses=blocked[linkedin_host],
    )
    return PoliteHttp(
        user_agent=settings.http_user_agent,
        timeout=settings.http_timeout,
        proxy=settings.http_proxy,
        policies=policies,
        default_policy=HostPolicy(
            interval=board_interval, jitter=board_interval / 5, concurrency=2
        ),
        retry=RetryPolicy(
            retries=settings.http_retries,
            backoff=settings.http_retry_backoff,
            max_retry_after=settings.http_max_retry_after,
        ),
    )


def build_mailer(settings: Settings, server_vault: ServerVault) -> SmtpMailer | None:
    """What sends saved searches' alert emails; None without `SMTP_URL` (alerts stay in the
    app)."""
    if settings.smtp_url is None:
        return None
    server = SmtpServer.parse(settings.smtp_url.get_secret_value())
    return SmtpMailer(
        server,
        smtp_password(settings, server.password, vault_smtp_password(server_vault)),
        settings.mail_from,
        settings.smtp_timeout,
        settings.mail_attempts,
        settings.mail_retry_backoff,
    )


def vault_smtp_password(server_vault: ServerVault) -> PasswordLookup:
    """The SMTP password from the vault, read at each send; one that cannot be opened (its
    key gone from the ring) fails the email with a reason, as a mail server's refusal does."""

    async def lookup() -> str | None:
        try:
            return await server_vault.find(SMTP_PASSWORD_SECRET)
        except UndecryptableError as error:
            raise MailError(
                f"the server secret {SMTP_PASSWORD_SECRET!r} cannot be opened: {error}"
            ) from error

    return lookup


async def build_services(
    settings: Settings, clock: Clock | None = None, migrate: bool = True
) -> Services:
    """Build the services; with `migrate`, bring the schema up to date first."""
    clock = clock or SystemClock()
    data_dir = settings.ensure_data_dir()
    if migrate:
        await asyncio.to_thread(upgrade, settings.resolved_database_url)
    engine = create_engine(settings.resolved_database_url)
    db = database(engine)
    users = UserRepository(db, AccountFactsCache(settings.session_cache_size))
    postings = PostingRepository(db)
    runs = RunRepository(db)
    tracking = TrackingRepository(db)
    redis = (
        Redis.from_url(
            settings.redis_url,
            socket_timeout=REDIS_TIMEOUT,
            socket_connect_timeout=REDIS_TIMEOUT,
            health_check_interval=30,
        )
        if settings.redis_url
        else None
    )
    bus: EventBus
    if redis is not None:
        redis_bus = RedisEventBus(redis, settings.redis_prefix, settings.log_queue_size)
        await redis_bus.start()
        bus = redis_bus
    else:
        bus = MemoryEventBus(settings.log_queue_size)
    files = UserFiles(
        data_dir / "files",
        FileLimits(
            settings.max_user_file_bytes,
            settings.max_user_files_total_bytes,
            settings.max_user_files,
        ),
    )
    registry = SourceRegistry(
        files,
        base_urls(settings.base_urls),
    )
    http = build_http(settings)
    ranker = build_ranker(db, tracking)
    saved_searches = SavedSearchRepository(db)
    alerts = AlertRepository(db)
    unsubscribe_links = UnsubscribeLinks(settings.jwt_secret_value(), settings.public_url)
    ring = load_key_ring(settings)
    server_secrets = ServerSecretRepository(db)
    server_vault = ServerVault(server_secrets, ring)
    mailer = build_mailer(settings, server_vault)
    alert_maker = AlertMaker(
        runs,
        saved_searches,
        postings,
        alerts,
        users,
        # The alerts page of the web app (`/alerts` is the API's JSON).
        DigestMail(mailer, unsubscribe_links, f"{settings.public_url}/matches")
        if mailer is not None
        else None,
    )
    pipeline = UpdatePipeline(
        postings,
        runs,
        bus,
        registry,
        http,
        settings.fetch_concurrency,
        ranker.warm_up,
        before_success=alert_maker.record,
        after_run=alert_maker.mail,
    )
    runner = await build_runner(settings, pipeline)
    starter = RunStarter(
        runs, runner, registry, settings.runs_max_active_per_user, settings.run_max_searches
    )
    workspace_services = WorkspaceServices(
        data_dir=data_dir,
        postings=postings,
        runs=runs,
        runner=runner,
        starter=starter,
        ranker=ranker,
        files=files,
        tracking=tracking,
    )
    searches = SavedSearchService(
        saved_searches,
        starter,
        clock,
        SavedSearchLimits(
            settings.saved_searches_max_per_user,
            settings.saved_search_min_every_hours,
            settings.saved_search_min_seconds_between_runs,
        ),
        unsubscribe_links,
    )
    workspaces = WorkspacePool(workspace_services, int(settings.workspace_memory_mb * 2**20))
    invalidation = build_invalidation_channel(settings, engine, redis)
    store = build_session_store(settings, engine, redis, clock, invalidation)
    if invalidation is not None:
        await invalidation.start()
    # Sessions are charged for their own objects only: not the services, not the pool.
    manager = build_session_manager(
        settings,
        store,
        clock,
        bus,
        users,
        workspaces,
        (workspace_services, workspaces),
        invalidation,
    )
    tokens = TokenCodec(settings.jwt_secret_value(), settings.jwt_ttl, clock)
    throttle: LoginThrottle
    if redis is not None:
        throttle = RedisLoginThrottle(
            redis, settings.login_max_failures, settings.login_lockout, clock, settings.redis_prefix
        )
    else:
        throttle = MemoryLoginThrottle(settings.login_max_failures, settings.login_lockout, clock)
    registrations: RateLimiter
    if redis is not None:
        registrations = RedisRateLimiter(
            redis,
            settings.register_max_per_address,
            REGISTRATION_WINDOW,
            clock,
            f"{settings.redis_prefix}registrations:",
        )
    else:
        registrations = MemoryRateLimiter(
            settings.register_max_per_address, REGISTRATION_WINDOW, clock
        )
    hasher = PasswordHasher(
        Argon2Cost(
            settings.argon2_memory_kib, settings.argon2_time_cost, settings.argon2_parallelism
        ),
        settings.password_hash_workers or default_workers(),
    )
    auth = AuthService(users, hasher, throttle, manager, tokens, registrations)
    user_secrets = SecretRepository(db)
    return Services(
        settings=settings,
        clock=clock,
        engine=engine,
        db=db,
        users=users,
        postings=postings,
        runs=runs,
        bus=bus,
        http=http,
        redis=redis,
        pipeline=pipeline,
        runner=runner,
        workspace_services=workspace_services,
        workspaces=workspaces,
        sessions=manager,
        auth=auth,
        vault=SecretVault(user_secrets, ring),
        server_vault=server_vault,
        reencryption=Reencryption([user_secrets, server_secrets], ring),
        mailer=mailer,
        stream_slots=StreamSlots(
            StreamLimits(
                settings.log_max_streams_per_session,
                settings.log_max_streams_per_user,
                settings.log_max_streams_total,
            )
        ),
        tickets=TicketIssuer(
            build_ticket_store(settings, engine, redis),
            manager.resolve,
            clock,
            settings.log_ticket_ttl,
        ),
        saved_searches=searches,
        alerts=alerts,
        scheduler=Scheduler(searches, settings.scheduler_interval_seconds),
        session_invalidation=invalidation,
    )
