"""Session benchmarks, end to end over HTTP, each against a baseline measured in the same run.

1. Requests/s under `wrk` (2 threads, 64 connections, a few seconds a round) against
   `dreamjob serve` started as users run it (its own process, uvicorn with the access log
   on, the access log written to a file), versus a bare FastAPI app answering `GET /ping`,
   run by the same uvicorn with the same server options (the same HTTP protocol class and
   connection limits) and the access log on. Rounds alternate between the two (a slow patch
   of the machine weighs on both alike); the ratio is app / bare, printed next to its target
   from issue 14. One row per case:
   - an authenticated `GET /auth/status` (token check, session resolve, the admin flag) on
     each session store: `memory`, `redis` (a key prefix of its own, deleted after),
     `database` on PostgreSQL (a database created for the run, dropped after) and on
     SQLite (a temporary DATA_DIR), `lazy` with its denylist in SQLite and in Redis;
   - a one-query authenticated read, `GET /me/keywords`, on the memory store and SQLite.
   wrk sends one fixed `Authorization: Bearer` header: every request is the same session's.
   Any answer that is not 2xx fails the run. Beside the rates, each server's CPU time per
   request (user + system, all its threads, from /proc) and their ratio: wrk and the server
   share the cores, and when other work runs on the machine too, requests/s move with it,
   while CPU per request moves much less. (CPU spent in PostgreSQL or Redis is not counted.)
2. What each request costs, counted (not timed) in the same app built in this process and
   called through ASGI: the calls the `SessionManager` makes into its store (by method), the
   SQL statements SQLAlchemy executes (a `before_cursor_execute` listener on the app's
   engine; the hot reads on SQLite run on the driver in one call and are not seen), and
   the real round trips to the server: for PostgreSQL, every request/response exchange
   in libpq's own protocol trace of each pooled connection (a simple `Query` or an
   extended-protocol `Sync`, so a pool pre-ping, psycopg's `BEGIN` and the `COMMIT`/
   `ROLLBACK` that ends a unit of work count too); for Redis, each command sent on its own
   and each pipeline, counted by wrapping `execute_command` and `pipeline` of the app's
   client instance. A session's recorded last use is written at most once per
   SESSION_TOUCH_INTERVAL, so the steady state of a busy session is a read.
3. Bytes of memory per idle session when 100,000 sessions are open in the memory store
   (tracemalloc; the workspace excluded), and what the admin monitor's measurement says.

How the store calls are counted: the app is built as the server builds it (`create_app`,
whose lifespan calls `build_services`), then, for the counting pass only, the manager's
store reference is replaced by `CountingStore`, a proxy that forwards exactly the
`SessionStore` protocol methods to the store the app built and counts calls by name, and
put back afterwards. This is a measurement harness, not a test.

Everything talks to 127.0.0.1 only, every process started is stopped by its pid, and
everything created is removed: temporary directories, the PostgreSQL databases, the Redis
keys. An unreachable PostgreSQL or Redis makes its row `skipped`, with the reason; without
`wrk` the script says how to install it and exits with status 2.

Run: `uv run python benchmarks/sessions.py [--seconds S] [--rounds R] [--only NAME ...]
[--no-count] [--sessions N] [--postgres-url URL] [--redis-url URL]`
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import re
import shutil
import sys
import tempfile
import time
import tracemalloc
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Callable, Iterator, MutableMapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import httpx
import psycopg
import redis
from psycopg import pq, sql
from redis.exceptions import RedisError
from served import SECRET, SECRET_KEY, free_port, running, serve
from sqlalchemy import event
from sqlalchemy.engine import make_url

if TYPE_CHECKING:
    from fastapi import FastAPI
    from redis.asyncio import Redis
    from sqlalchemy.ext.asyncio import AsyncEngine

POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/test"
REDIS_URL = "redis://127.0.0.1:6379/0"
EMAIL = "reader@example.com"
PASSWORD = "Quiet-harbour-lanterns-47"  # nothing of the email in it: the policy refuses that
KEYWORDS = ["Python", "Django", "PostgreSQL", "machine learning", "C++"]
WRK = "wrk"
WRK_THREADS = 2
WRK_CONNECTIONS = 64
START_TIMEOUT = 60
STOP_TIMEOUT = 20
Headers = list[tuple[bytes, bytes]]


class Unavailable(Exception):
    """A server a row needs cannot be reached: the row is skipped with this reason."""


@dataclass(frozen=True, slots=True)
class Case:
    """One row: the request, the session store it runs on, where its data lives, its target."""

    name: str
    path: str
    store: str
    postgres: bool = False
    redis: bool = False
    target: float | None = None


CASES = (
    Case("memory", "/auth/status", "memory", target=0.80),
    Case("redis", "/auth/status", "redis", redis=True, target=0.60),
    Case("database (PostgreSQL)", "/auth/status", "database", postgres=True, target=0.60),
    Case("database (SQLite)", "/auth/status", "database"),
    Case("lazy (SQLite denylist)", "/auth/status", "lazy", target=0.60),
    Case("lazy (Redis denylist)", "/auth/status", "lazy", redis=True, target=0.60),
    Case("/me/keywords (memory, SQLite)", "/me/keywords", "memory", target=0.35),
)


# --- the servers' places: a PostgreSQL database and a Redis prefix of the run's own -------


@contextlib.contextmanager
def _fresh_postgres_database(url: str) -> Iterator[str]:
    """A new, empty PostgreSQL database for the run (its async URL); dropped afterwards."""
    admin = make_url(url)
    conninfo = admin.set(drivername="postgresql").render_as_string(hide_password=False)
    name = f"dreamjob_bench_{uuid.uuid4().hex[:12]}"
    try:
        with psycopg.connect(conninfo, autocommit=True, connect_timeout=5) as connection:
            connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    except psycopg.OperationalError as error:
        reason = str(error).strip().splitlines()[0] if str(error).strip() else ""
        raise Unavailable(
            f"PostgreSQL at {admin.render_as_string()} is not reachable "
            f"({error.__class__.__name__}: {reason})"
        ) from error
    try:
        yield admin.set(drivername="postgresql+psycopg", database=name).render_as_string(
            hide_password=False
        )
    finally:
        with psycopg.connect(conninfo, autocommit=True, connect_timeout=5) as connection:
            connection.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


@contextlib.contextmanager
def _fresh_redis_prefix(url: str) -> Iterator[str]:
    """A key prefix of its own on Redis for the run; its keys are deleted afterwards."""
    client = redis.Redis.from_url(url, socket_connect_timeout=5, socket_timeout=10)
    try:
        client.ping()
    except (RedisError, OSError) as error:
        client.close()
        raise Unavailable(
            f"Redis at {url} is not reachable ({error.__class__.__name__}: {error})"
        ) from error
    prefix = f"dreamjob-bench:{uuid.uuid4().hex[:12]}:"
    try:
        yield prefix
    finally:
        keys = list(client.scan_iter(match=f"{prefix}*", count=1000))
        for start in range(0, len(keys), 1000):
            client.delete(*keys[start : start + 1000])
        client.close()


def _case_settings(
    case: Case, stack: contextlib.ExitStack, postgres_url: str, redis_url: str
) -> dict[str, str]:
    """The case's settings by name (the servers' places are made here, removed with
    `stack`); the store's servers are always given, never taken from the environment."""
    values = {"session_store": case.store, "database_url": "", "redis_url": ""}
    if case.postgres:
        values["database_url"] = stack.enter_context(_fresh_postgres_database(postgres_url))
    if case.redis:
        values["redis_url"] = redis_url
        values["redis_prefix"] = stack.enter_context(_fresh_redis_prefix(redis_url))
    return values


def _environment(values: dict[str, str]) -> dict[str, str]:
    """Settings as the `DREAMJOB_*` variables `dreamjob serve` reads."""
    return {f"DREAMJOB_{name.upper()}": value for name, value in values.items()}


# --- timed over HTTP: wrk against the app and against the bare app --------------------------


def _serve_bare(port: int) -> None:
    """Serve the bare app (`GET /ping`) on 127.0.0.1:`port` until stopped (a subprocess).

    The same uvicorn options as `dreamjob serve` (protocol class, header and connection
    limits), uvicorn's own logging with the access log on.
    """
    import uvicorn
    from fastapi import FastAPI

    from dreamjobsearch.config import Settings
    from dreamjobsearch.http_server.options import connection_options

    app = FastAPI()

    @app.get("/ping")
    async def ping() -> dict[str, bool]:
        return {"ok": True}

    options = connection_options(Settings(_env_file=None, jwt_secret=SECRET))
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="info", **options)


@dataclass(frozen=True, slots=True)
class Target:
    """What wrk loads: a URL, the server process behind it, the bearer token to send."""

    url: str
    pid: int
    token: str | None = None


@contextlib.asynccontextmanager
async def _bare_server(workdir: Path) -> AsyncIterator[Target]:
    """The bare app in a subprocess until the block ends (stopped by its pid)."""
    port = free_port()
    log = (workdir / "bare.log").open("wb")
    process = await asyncio.create_subprocess_exec(
        sys.executable, __file__, "--serve-bare", str(port),
        stdout=log, stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}/ping"
    async with running(process, url, log, "the bare app"):
        yield Target(url, process.pid)


def _cpu_seconds(pid: int) -> float:
    """CPU time (user + system, every thread) the process has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@dataclass(slots=True)
class Load:
    """Requests answered, seconds taken and the server's CPU seconds: one round, or a sum."""

    requests: int = 0
    seconds: float = 0.0
    cpu: float = 0.0

    def add(self, other: Load) -> None:
        """Add another round."""
        self.requests += other.requests
        self.seconds += other.seconds
        self.cpu += other.cpu

    @property
    def rate(self) -> float:
        """Requests per second."""
        return self.requests / self.seconds

    @property
    def cpu_per_request(self) -> float:
        """The server's CPU microseconds per request."""
        return self.cpu / self.requests * 1e6


_ANSWERED = re.compile(r"(\d+) requests in ([\d.]+)(us|ms|s|m)\b")
_UNITS = {"us": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0}
_NOT_OK = re.compile(r"Non-2xx or 3xx responses:\s+(\d+)")
_SOCKET_ERRORS = re.compile(r"Socket errors:.*")


async def _wrk(target: Target, seconds: float) -> Load:
    """Load `target` with wrk for `seconds`; raises if any answer was not 2xx/3xx."""
    headers = ["-H", f"Authorization: Bearer {target.token}"] if target.token else []
    cpu_before = _cpu_seconds(target.pid)
    process = await asyncio.create_subprocess_exec(
        WRK, f"-t{WRK_THREADS}", f"-c{WRK_CONNECTIONS}", f"-d{seconds:g}s", *headers, target.url,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    output = (await process.communicate())[0].decode()
    cpu = _cpu_seconds(target.pid) - cpu_before
    answered = _ANSWERED.search(output)
    if process.returncode != 0 or answered is None:
        raise RuntimeError(f"wrk failed on {target.url}:\n{output}")
    if failed := _NOT_OK.search(output):
        raise RuntimeError(f"{failed.group(1)} answers of {target.url} were not 2xx:\n{output}")
    if errors := _SOCKET_ERRORS.search(output):
        print(f"  ({target.url}: {errors.group()})")
    elapsed = float(answered.group(2)) * _UNITS[answered.group(3)]
    return Load(int(answered.group(1)), elapsed, cpu)


async def _sign_in(base_url: str, path: str) -> str:
    """Register the case's account on the server and return its bearer token (saving the
    keywords the read returns, for the keywords case)."""
    async with httpx.AsyncClient(base_url=base_url, timeout=30) as client:
        answer = await client.post("/register", json={"email": EMAIL, "password": PASSWORD})
        answer.raise_for_status()
        token = str(answer.json()["access_token"])
        auth = {"Authorization": f"Bearer {token}"}
        if path == "/me/keywords":
            (await client.put(path, json={"keywords": KEYWORDS}, headers=auth)).raise_for_status()
        (await client.get(path, headers=auth)).raise_for_status()
    return token


async def _timed(
    case: Case, bare: Target, seconds: float, rounds: int, postgres_url: str, redis_url: str
) -> tuple[Load, Load]:
    """Start the case's server, sign in, then alternate wrk rounds against the bare app and
    it; the bare app's load and the app's, summed over the rounds."""
    with tempfile.TemporaryDirectory() as data_dir, contextlib.ExitStack() as stack:
        settings = _environment(_case_settings(case, stack, postgres_url, redis_url))
        async with serve(Path(data_dir), settings) as served:
            token = await _sign_in(served.base_url, case.path)
            app = Target(served.base_url + case.path, served.pid, token)
            await _wrk(bare, 1)  # warm both: connections, caches, the pool
            await _wrk(app, 1)
            bare_load, app_load = Load(), Load()
            for _ in range(rounds):
                bare_load.add(await _wrk(bare, seconds))
                app_load.add(await _wrk(app, seconds))
    return bare_load, app_load


# --- counting probes -----------------------------------------------------------------------


class Probe(Protocol):
    """Counts something between `start` and `stop`, by label."""

    def start(self) -> None: ...

    def stop(self) -> Counter[str]: ...


def _store_methods(inner: object) -> tuple[str, ...]:
    from dreamjobsearch.sessions.stores.base import SessionStore
    from dreamjobsearch.sessions.stores.stateless import StatelessSessionStore

    names = [
        name
        for name, value in vars(SessionStore).items()
        if not name.startswith("_") and callable(value)
    ]
    if isinstance(inner, StatelessSessionStore):
        names.append("is_revoked")  # the denylist check, lazy's only per-request store call
    return tuple(names)


class CountingStore:
    """Forwards every `SessionStore` protocol method to `inner`, counting calls by name.

    Only the protocol is forwarded: a manager reaching past it would fail here.
    """

    def __init__(self, inner: object) -> None:
        self.inner = inner
        self.calls: Counter[str] = Counter()
        for name in _store_methods(inner):
            setattr(self, name, self._counted(name, getattr(inner, name)))

    def _counted(self, name: str, method: Callable[..., Any]) -> Callable[..., Any]:
        async def counted(*args: Any, **kwargs: Any) -> Any:
            self.calls[name] += 1
            return await method(*args, **kwargs)

        return counted


class StoreCalls:
    """Puts a `CountingStore` in front of the store that the manager and its session
    strategy (what each request resolves through) both hold, while counting."""

    def __init__(self, manager: Any) -> None:
        self._holders = (manager, manager._strategy)
        self._store = manager._store
        self._proxy: CountingStore | None = None

    def start(self) -> None:
        self._proxy = CountingStore(self._store)
        for holder in self._holders:
            holder._store = self._proxy

    def stop(self) -> Counter[str]:
        assert self._proxy is not None
        for holder in self._holders:
            holder._store = self._store
        return self._proxy.calls


class SqlStatements:
    """SQL statements the engine executes, by their first keyword."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine.sync_engine
        self._counts: Counter[str] = Counter()

    def _executed(self, _conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        self._counts[statement.split(None, 1)[0].upper()] += 1

    def start(self) -> None:
        self._counts = Counter()
        event.listen(self._engine, "before_cursor_execute", self._executed)

    def stop(self) -> Counter[str]:
        event.remove(self._engine, "before_cursor_execute", self._executed)
        return self._counts


def _command_name(name: object) -> str:
    return (name.decode() if isinstance(name, bytes) else str(name)).upper()


class RedisRoundTrips:
    """Round trips of one Redis client: a command sent alone is one, a pipeline is one."""

    def __init__(self, client: Redis) -> None:
        self._client = client
        self._counts: Counter[str] = Counter()

    def start(self) -> None:
        counts: Counter[str] = Counter()
        self._counts = counts
        client = self._client
        execute_command = client.execute_command
        make_pipeline = client.pipeline

        async def counted_command(*args: Any, **options: Any) -> Any:
            counts[_command_name(args[0])] += 1
            return await execute_command(*args, **options)

        def counted_pipeline(*args: Any, **kwargs: Any) -> Any:
            pipe = make_pipeline(*args, **kwargs)
            execute = pipe.execute

            async def counted_execute(*execute_args: Any, **execute_kwargs: Any) -> Any:
                names = [_command_name(command[0]) for command, _options in pipe.command_stack]
                if names:  # an empty pipeline sends nothing
                    if pipe.is_transaction:
                        names = ["MULTI", *names, "EXEC"]
                    counts["[" + " ".join(names) + "]"] += 1
                return await execute(*execute_args, **execute_kwargs)

            pipe.execute = counted_execute  # type: ignore[method-assign]
            return pipe

        client.execute_command = counted_command  # type: ignore[method-assign]
        client.pipeline = counted_pipeline  # type: ignore[method-assign]

    def stop(self) -> Counter[str]:
        del self._client.execute_command  # the class's methods show through again
        del self._client.pipeline
        return self._counts


_PARSE = re.compile(r'^F\t\d+\tParse\t "[^"]*" "(\w+)')
_QUERY = re.compile(r'^F\t\d+\tQuery\t "([^"\s]*)')


class PostgresRoundTrips:
    """Round trips to PostgreSQL, read from libpq's protocol trace of every pool connection.

    A round trip is a simple `Query` or the `Sync` that ends an extended-protocol exchange
    (each gets one `ReadyForQuery` back). `install` empties the pool, so that every
    connection the app uses afterwards is seen connecting and can be traced.
    """

    def __init__(self, engine: AsyncEngine, directory: Path) -> None:
        self._engine = engine
        self._directory = directory
        self._connections: list[Any] = []
        self._traces: list[tuple[int, Path]] = []
        self._armed = False

    async def install(self) -> None:
        event.listen(self._engine.sync_engine, "connect", self._connected)
        await self._engine.dispose()

    def uninstall(self) -> None:
        event.remove(self._engine.sync_engine, "connect", self._connected)

    def _connected(self, _dbapi_connection: Any, record: Any) -> None:
        pgconn = record.driver_connection.pgconn
        self._connections.append(pgconn)
        if self._armed:
            self._trace(pgconn)

    def _trace(self, pgconn: Any) -> None:
        path = self._directory / f"libpq-trace-{len(self._traces)}"
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        self._traces.append((fd, path))
        pgconn.trace(fd)
        pgconn.set_trace_flags(pq.Trace.SUPPRESS_TIMESTAMPS)

    def start(self) -> None:
        self._armed = True
        for pgconn in self._connections:
            if pgconn.status == pq.ConnStatus.OK:
                self._trace(pgconn)

    def stop(self) -> Counter[str]:
        self._armed = False
        for pgconn in self._connections:
            if pgconn.status == pq.ConnStatus.OK:
                pgconn.untrace()  # flushes the trace
        counts: Counter[str] = Counter()
        for fd, path in self._traces:
            os.close(fd)
            counts.update(_round_trips(path.read_text(encoding="utf-8", errors="replace")))
            path.unlink()
        self._traces = []
        return counts


def _round_trips(trace: str) -> Counter[str]:
    counts: Counter[str] = Counter()
    statement = "prepared"  # a Bind of a statement prepared earlier comes without its Parse
    for line in trace.splitlines():
        if match := _QUERY.match(line):
            text = match.group(1).upper()
            counts["ping" if text in ("", ";") else text] += 1
        elif match := _PARSE.match(line):
            statement = match.group(1).upper()
        elif line.startswith("F\t") and line.split("\t")[2] == "Sync":
            counts[statement] += 1
            statement = "prepared"
    return counts


# --- counted in process: store calls, SQL statements, round trips per request ---------------


async def _call(
    app: FastAPI, path: str, headers: Headers, method: str = "GET", body: bytes = b""
) -> int:
    """One request through the ASGI app, as a server would make it; returns the status."""
    if body:
        headers = [*headers, (b"content-type", b"application/json")]
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": headers,
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8000),
        "state": {},
    }
    status = 0

    async def receive() -> dict[str, object]:
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: MutableMapping[str, object]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = int(str(message["status"]))

    await app(scope, receive, send)
    return status


class ShiftableClock:
    """The system clock plus an offset the benchmark moves (to pass the touch interval)."""

    def __init__(self) -> None:
        self.offset = 0.0

    def now(self) -> float:
        return time.time() + self.offset


@dataclass(slots=True)
class Counts:
    """Per-request counts, by label; None where the store has nothing of the kind."""

    requests: int
    store: Counter[str]
    sql: Counter[str] | None
    round_trips: Counter[str] | None


async def _count(
    app: FastAPI,
    path: str,
    auth: Headers,
    probes: dict[str, Probe | None],
    requests: int,
    before_each: Callable[[], None] = lambda: None,
) -> Counts:
    active = {name: probe for name, probe in probes.items() if probe is not None}
    for probe in active.values():
        probe.start()
    try:
        for _ in range(requests):
            before_each()
            if await _call(app, path, auth) != 200:
                raise RuntimeError(f"GET {path} did not answer 200 while counting")
    finally:
        found = {name: probe.stop() for name, probe in active.items()}
    return Counts(requests, found["store"], found.get("sql"), found.get("round_trips"))


async def _counted(case: Case, values: dict[str, str], counted: int, workdir: Path) -> Counts:
    """The case's per-request costs, steady state (the touch not due), in an app built here."""
    from dreamjobsearch.app import create_app
    from dreamjobsearch.config import Settings

    settings = Settings(
        _env_file=None, data_dir=workdir, jwt_secret=SECRET, secret_key=SECRET_KEY, **values
    )
    app = create_app(settings, ShiftableClock())
    async with app.router.lifespan_context(app):
        services = app.state.services
        await services.sessions.stop_sweeper()  # nothing but the requests touches the store
        issued = await services.auth.register(EMAIL, PASSWORD, "bench")
        auth = [(b"authorization", f"Bearer {issued.access_token}".encode())]
        if case.path == "/me/keywords":
            body = ('{"keywords": ["' + '", "'.join(KEYWORDS) + '"]}').encode()
            if await _call(app, case.path, auth, "PUT", body) != 200:
                raise RuntimeError("saving the keywords failed")
        postgres: PostgresRoundTrips | None = None
        wire: Probe | None = None
        if services.redis is not None and settings.session_store in ("redis", "lazy"):
            wire = RedisRoundTrips(services.redis)
        elif services.engine.dialect.name == "postgresql":
            wire = postgres = PostgresRoundTrips(services.engine, workdir)
            await postgres.install()
        probes: dict[str, Probe | None] = {
            "store": StoreCalls(services.sessions),
            "sql": SqlStatements(services.engine),
            "round_trips": wire,
        }
        try:
            for _ in range(10):  # (re)open the pool's connection, pass the first touch
                await _call(app, case.path, auth)
            return await _count(app, case.path, auth, probes, counted)
        finally:
            if postgres is not None:
                postgres.uninstall()


def _count_case(case: Case, counted: int, postgres_url: str, redis_url: str) -> Counts:
    with tempfile.TemporaryDirectory() as data_dir, contextlib.ExitStack() as stack:
        values = _case_settings(case, stack, postgres_url, redis_url)
        return asyncio.run(_counted(case, values, counted, Path(data_dir)))


# --- printing ------------------------------------------------------------------------------


def _per_request(counts: Counter[str] | None, requests: int) -> str:
    """`total (label n, ...)` per request; `-` when there is nothing of the kind."""
    if counts is None:
        return "-"
    total = sum(counts.values()) / requests
    if not counts:
        return "0"
    labels = ", ".join(f"{label} {n / requests:g}" for label, n in sorted(counts.items()))
    return f"{total:g} ({labels})"


def _wrk_missing() -> None:
    print(
        "benchmarks/sessions.py measures over HTTP with wrk, which is not installed.\n"
        "Install it (Debian/Ubuntu: `apt-get install wrk`; macOS: `brew install wrk`) and run "
        "again.",
        file=sys.stderr,
    )
    sys.exit(2)


async def requests_per_second(
    cases: list[Case], seconds: float, rounds: int, postgres_url: str, redis_url: str
) -> None:
    """Print one row per case: requests/s of the bare app and of the app, their ratio and
    its target; then each server's CPU time per request, and their ratio."""
    print(
        f"End to end over HTTP: wrk -t{WRK_THREADS} -c{WRK_CONNECTIONS}, {rounds} alternating "
        f"rounds of {seconds:g} s against a bare `GET /ping` app and `dreamjob serve`:"
    )
    print(
        f"{'case':<32} {'bare req/s':>10} {'app req/s':>10} {'ratio':>6} {'target':>7}   "
        f"{'bare CPU us/req':>15} {'app CPU us/req':>14} {'ratio':>6}"
    )
    with tempfile.TemporaryDirectory() as workdir:
        async with _bare_server(Path(workdir)) as bare_app:
            for case in cases:
                try:
                    bare, app = await _timed(
                        case, bare_app, seconds, rounds, postgres_url, redis_url
                    )
                except Unavailable as error:
                    print(f"{case.name:<32} skipped: {error}")
                    continue
                target = f">= {case.target:.2f}" if case.target is not None else "-"
                print(
                    f"{case.name:<32} {bare.rate:10.0f} {app.rate:10.0f} "
                    f"{app.rate / bare.rate:6.2f} {target:>7}   {bare.cpu_per_request:15.0f} "
                    f"{app.cpu_per_request:14.0f} "
                    f"{bare.cpu_per_request / app.cpu_per_request:6.2f}",
                    flush=True,
                )


def costs_per_request(cases: list[Case], counted: int, postgres_url: str, redis_url: str) -> None:
    """Print what one request of each case costs its store and its servers."""
    print(f"\nPer request, steady state (mean of {counted}, counted in process, not timed):")
    print(f"{'case':<32} {'store calls':<24} {'SQL statements':<30} round trips")
    for case in cases:
        try:
            counts = _count_case(case, counted, postgres_url, redis_url)
        except Unavailable as error:
            print(f"{case.name:<32} skipped: {error}")
            continue
        print(
            f"{case.name:<32} {_per_request(counts.store, counts.requests):<24} "
            f"{_per_request(counts.sql, counts.requests):<30} "
            f"{_per_request(counts.round_trips, counts.requests)}",
            flush=True,
        )


# --- memory per session ------------------------------------------------------------------


async def memory_per_session(count: int) -> None:
    """Print bytes per idle session for `count` open sessions (and the monitor's figure)."""
    from dreamjobsearch.config import Settings
    from dreamjobsearch.services import build_services

    with tempfile.TemporaryDirectory() as data_dir:
        settings = Settings(
            _env_file=None,
            data_dir=Path(data_dir),
            jwt_secret=SECRET,
            secret_key=SECRET_KEY,
            session_max_total=count + 1,
            database_url=None,
            redis_url=None,
        )
        services = await build_services(settings)
        try:
            manager = services.sessions
            tracemalloc.start()
            before = tracemalloc.take_snapshot()
            for user_id in range(1, count + 1):
                await manager.open(user_id, f"user{user_id}@example.com")
            after = tracemalloc.take_snapshot()
            tracemalloc.stop()
            allocated = sum(stat.size_diff for stat in after.compare_to(before, "filename"))
            stats = await manager.stats()
        finally:
            await services.aclose()
    print(f"\nMemory store, {count} idle sessions open (target <= 1536 bytes each):")
    print(f"bytes per session  : {allocated / count:8.0f} (tracemalloc)")
    print(f"monitor's figure   : {stats.memory_bytes / count:8.0f} (admin memory_bytes / sessions)")


def main() -> None:
    """Run the benchmarks (or, with --serve-bare, be the bare app's server)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=3, help="seconds per wrk round")
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds per case")
    parser.add_argument(
        "--only", nargs="+", default=None, help="cases whose name contains any of these"
    )
    parser.add_argument("--counted", type=int, default=200, help="requests counted per case")
    parser.add_argument("--no-count", action="store_true", help="skip the counting pass")
    parser.add_argument("--sessions", type=int, default=100_000, help="0: skip memory")
    parser.add_argument("--postgres-url", default=POSTGRES_URL, help="an existing database")
    parser.add_argument("--redis-url", default=REDIS_URL)
    parser.add_argument("--serve-bare", type=int, metavar="PORT", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_bare:
        _serve_bare(args.serve_bare)
        return
    if shutil.which(WRK) is None:
        _wrk_missing()
    cases = [
        case for case in CASES if args.only is None or any(word in case.name for word in args.only)
    ]
    started = time.perf_counter()
    asyncio.run(
        requests_per_second(cases, args.seconds, args.rounds, args.postgres_url, args.redis_url)
    )
    if not args.no_count:
        costs_per_request(cases, args.counted, args.postgres_url, args.redis_url)
    if args.sessions:
        asyncio.run(memory_per_session(args.sessions))
    print(f"\n(total {time.perf_counter() - started:.0f} s)")


if __name__ == "__main__":
    main()
