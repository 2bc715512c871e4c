"""Session benchmarks, each against a baseline measured in the same run.

1. Per session store (`memory`; `database` on SQLite in a temporary DATA_DIR; `database` on
   PostgreSQL, in a database created for the run and dropped after; `redis`, under a key
   prefix of its own whose keys are deleted after; `lazy` with its denylist in SQLite, and
   in Redis), one app each:
   - requests/s of an authenticated `GET /auth/status` (token check, session resolve,
     workspace) against a bare endpoint of the same app, and their ratio. Requests go
     straight into the ASGI app (no socket, no client), in alternating rounds, with nothing
     instrumented: the figures are the app's own cost per request;
   - then, in a separate counting pass, per request: the calls the `SessionManager` makes
     into its store (by method), the SQL statements SQLAlchemy executes (a
     `before_cursor_execute` listener on the app's engine), and the real round trips to the
     server: for PostgreSQL, every request/response exchange in libpq's own protocol trace
     of each pooled connection (a simple `Query` or an extended-protocol `Sync`; this
     includes what SQLAlchemy does not see as statements: the pool's pre-ping, psycopg's
     `BEGIN`, the `COMMIT`/`ROLLBACK` that ends each ORM session); for Redis, each command
     sent on its own and each pipeline (`MULTI ... EXEC` travels as one write and one read),
     counted by wrapping `execute_command` and `pipeline` of the app's client instance
     (server-wide `INFO commandstats` would also count other clients of the same server).
   A session's recorded last use is written at most once per SESSION_TOUCH_INTERVAL, so
   the steady state of a busy session is a read; a second table shows a request that does
   write the touch (the app's clock is moved past the interval before each such request).
2. Bytes of memory per idle session when 100,000 sessions are open in the memory store
   (tracemalloc), and what the admin monitor's measurement says. Not measured for the
   database and redis stores: opening a session there costs several COUNT queries and an
   insert (about 5-10 ms each with 2,000 open), so 10,000 would not fit in the run.

How the store calls are counted: the app is built as the server builds it (`create_app`,
whose lifespan calls `build_services`), then, for the counting pass only, the manager's
store reference is replaced by `CountingStore`, a proxy that forwards exactly the
`SessionStore` protocol methods to the store the app built and counts calls by name, and
put back afterwards. `build_services` takes no store to inject, and building a
`SessionManager` by hand would mean copying its wiring (and bypassing the app's lifespan);
swapping one reference keeps the wiring the production one and keeps the proxy out of the
timed requests. This is a measurement harness, not a test.

The background session sweeper is stopped in each app, so that nothing but the requests
touches the store while counting. Everything talks to 127.0.0.1 only (the defaults below),
and everything created is removed: temporary directories, the PostgreSQL database, the
Redis keys. An unreachable PostgreSQL or Redis makes its row `skipped`, with the reason.

Run: `uv run python benchmarks/sessions.py [--requests N] [--counted C] [--sessions S]
[--postgres-url URL] [--redis-url URL]`
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import re
import tempfile
import time
import tracemalloc
import uuid
from collections import Counter
from collections.abc import Callable, Iterator, MutableMapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import psycopg
import redis
from psycopg import pq, sql
from redis.exceptions import RedisError
from sqlalchemy import event
from sqlalchemy.engine import make_url

if TYPE_CHECKING:
    from fastapi import FastAPI
    from redis.asyncio import Redis
    from sqlalchemy.ext.asyncio import AsyncEngine

    from dreamjobsearch.config import Settings

POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/test"
REDIS_URL = "redis://127.0.0.1:6379/0"
JWT_SECRET = "benchmark-secret-" + "x" * 40
Headers = list[tuple[bytes, bytes]]


class Unavailable(Exception):
    """A server a row needs cannot be reached: the row is skipped with this reason."""


# --- requests through ASGI --------------------------------------------------------------


async def _call(app: FastAPI, path: str, headers: Headers) -> int:
    """One GET through the ASGI app, as a server would make it; returns the status."""
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
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
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: MutableMapping[str, object]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = int(str(message["status"]))

    await app(scope, receive, send)
    return status


async def _calls(app: FastAPI, path: str, headers: Headers, count: int) -> float:
    """Seconds taken by `count` GETs of `path`; every one must answer 200."""
    failed = 0
    started = time.perf_counter()
    for _ in range(count):
        if await _call(app, path, headers) != 200:
            failed += 1
    elapsed = time.perf_counter() - started
    if failed:
        raise RuntimeError(f"{failed} of {count} GET {path} did not answer 200")
    return elapsed


async def _rates(app: FastAPI, auth: Headers, total: int, rounds: int = 5) -> tuple[float, float]:
    """Requests/s of the bare endpoint and of /auth/status, measured in alternating rounds
    (so that a slow patch of the machine weighs on both alike)."""
    await _calls(app, "/bench/bare", [], 100)
    await _calls(app, "/auth/status", auth, 100)
    per_round = max(1, total // rounds)
    bare = status = 0.0
    for _ in range(rounds):
        bare += await _calls(app, "/bench/bare", [], per_round)
        status += await _calls(app, "/auth/status", auth, per_round)
    return per_round * rounds / bare, per_round * rounds / status


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
    """Puts a `CountingStore` in front of the manager's store while counting."""

    def __init__(self, manager: Any) -> None:
        self._manager = manager
        self._store = manager._store
        self._proxy: CountingStore | None = None

    def start(self) -> None:
        self._proxy = CountingStore(self._store)
        self._manager._store = self._proxy
        if hasattr(self._manager, "_stateless_store"):
            self._manager._stateless_store = self._proxy

    def stop(self) -> Counter[str]:
        assert self._proxy is not None
        self._manager._store = self._store
        if hasattr(self._manager, "_stateless_store"):
            self._manager._stateless_store = self._store
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


# --- one row per store -----------------------------------------------------------------


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


@dataclass(slots=True)
class Row:
    """One store's results, or why it was skipped."""

    name: str
    skipped: str | None = None
    bare_rate: float = 0.0
    status_rate: float = 0.0
    steady: Counts | None = None
    touching: Counts | None = None
    touch_interval: float = 0.0


async def _count(
    app: FastAPI,
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
            if await _call(app, "/auth/status", auth) != 200:
                raise RuntimeError("GET /auth/status did not answer 200 while counting")
    finally:
        found = {name: probe.stop() for name, probe in active.items()}
    return Counts(requests, found["store"], found.get("sql"), found.get("round_trips"))


async def _measure(
    name: str, settings: Settings, requests: int, counted: int, workdir: Path
) -> Row:
    from dreamjobsearch.app import create_app

    clock = ShiftableClock()
    app = create_app(settings, clock)

    @app.get("/bench/bare")
    async def bare() -> dict[str, bool]:
        return {"ok": True}

    async with app.router.lifespan_context(app):
        services = app.state.services
        await services.sessions.stop_sweeper()
        await services.auth.register("bench@example.com", "benchmark-pass", "bench")
        issued = await services.auth.login("bench@example.com", "benchmark-pass", "bench")
        auth = [(b"authorization", f"Bearer {issued.access_token}".encode())]

        bare_rate, status_rate = await _rates(app, auth, requests)

        postgres: PostgresRoundTrips | None = None
        wire: Probe | None = None
        if services.redis is not None and settings.session_store in ("redis", "lazy"):
            wire = RedisRoundTrips(services.redis)
        elif services.engine.dialect.name == "postgresql":
            wire = postgres = PostgresRoundTrips(services.engine, workdir)
            await postgres.install()
        # `lazy` reads the user's stored configuration from the database on every request.
        in_database = settings.session_store in ("database", "lazy")
        probes: dict[str, Probe | None] = {
            "store": StoreCalls(services.sessions),
            "sql": SqlStatements(services.engine) if in_database else None,
            "round_trips": wire,
        }
        try:
            await _calls(app, "/auth/status", auth, 10)  # (re)open the pool's connection
            steady = await _count(app, auth, probes, counted)
            touch_interval = min(
                settings.session_touch_interval, settings.session_idle_timeout / 10
            )

            def pass_touch_interval() -> None:
                clock.offset += touch_interval + 1

            touching = await _count(app, auth, probes, 10, pass_touch_interval)
        finally:
            if postgres is not None:
                postgres.uninstall()
    return Row(name, None, bare_rate, status_rate, steady, touching, touch_interval)


def _settings(data_dir: Path, sessions: int = 10, **overrides: Any) -> Settings:
    """Settings for one app; the store's servers are always given (never taken from the
    environment), so that nothing but 127.0.0.1 is contacted."""
    from dreamjobsearch.config import Settings

    values: dict[str, Any] = {
        "data_dir": data_dir,
        "jwt_secret": JWT_SECRET,
        "session_max_total": sessions + 1,
        "session_store": "memory",
        "database_url": None,
        "redis_url": None,
        **overrides,
    }
    return Settings(_env_file=None, **values)


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


def _row(name: str, requests: int, counted: int, postgres_url: str, redis_url: str) -> Row:
    """Build the row's app on its store, measure, and remove what was created."""
    with tempfile.TemporaryDirectory() as data_dir, contextlib.ExitStack() as stack:
        path = Path(data_dir)
        if name == "memory":
            settings = _settings(path)
        elif name == "database (SQLite)":
            settings = _settings(path, session_store="database")
        elif name == "database (PostgreSQL)":
            database_url = stack.enter_context(_fresh_postgres_database(postgres_url))
            settings = _settings(path, session_store="database", database_url=database_url)
        elif name == "lazy (SQLite)":
            settings = _settings(path, session_store="lazy")
        else:
            prefix = stack.enter_context(_fresh_redis_prefix(redis_url))
            settings = _settings(
                path,
                session_store="lazy" if name.startswith("lazy") else "redis",
                redis_url=redis_url,
                redis_prefix=prefix,
            )
        return asyncio.run(_measure(name, settings, requests, counted, path))


# --- printing ------------------------------------------------------------------------------

ROWS = (
    "memory",
    "database (SQLite)",
    "database (PostgreSQL)",
    "redis",
    "lazy (SQLite)",
    "lazy (Redis + SQLite)",
)


def _per_request(counts: Counter[str] | None, requests: int) -> str:
    """`total (label n, ...)` per request; `-` when there is nothing of the kind."""
    if counts is None:
        return "-"
    total = sum(counts.values()) / requests
    if not counts:
        return "0"
    labels = ", ".join(f"{label} {n / requests:g}" for label, n in sorted(counts.items()))
    return f"{total:g} ({labels})"


def _print_counts(rows: list[Row], which: str) -> None:
    print(f"{'store':<22} {'store calls/request':<28} {'SQL statements/request':<30} round trips")
    for row in rows:
        counts = getattr(row, which)
        if counts is None:
            continue
        print(
            f"{row.name:<22} {_per_request(counts.store, counts.requests):<28} "
            f"{_per_request(counts.sql, counts.requests):<30} "
            f"{_per_request(counts.round_trips, counts.requests)}"
        )


def requests_per_second(
    requests: int, counted: int, postgres_url: str, redis_url: str
) -> list[Row]:
    """Print one row per store: requests/s of /auth/status against a bare endpoint of the
    same app, then what each request costs the store and its server."""
    print(f"GET /auth/status against a bare endpoint of the same app, {requests} of each:")
    print(f"{'store':<22} {'bare req/s':>10} {'status req/s':>12} {'ratio':>6}")
    rows = []
    for name in ROWS:
        try:
            row = _row(name, requests, counted, postgres_url, redis_url)
        except Unavailable as error:
            row = Row(name, skipped=str(error))
            print(f"{name:<22} skipped: {error}")
        else:
            ratio = row.status_rate / row.bare_rate
            print(f"{name:<22} {row.bare_rate:10.0f} {row.status_rate:12.0f} {ratio:6.2f}")
        rows.append(row)
    measured = [row for row in rows if row.skipped is None]
    if measured:
        print(f"\nPer authenticated request, steady state (mean of {counted} requests):")
        _print_counts(measured, "steady")
        interval = measured[0].touch_interval
        print(f"\nPer request that writes the touch (first after {interval:g} s; mean of 10):")
        _print_counts(measured, "touching")
    return rows


# --- memory per session ------------------------------------------------------------------


async def memory_per_session(count: int) -> None:
    """Print bytes per idle session for `count` open sessions (and the monitor's figure)."""
    from dreamjobsearch.services import build_services

    with tempfile.TemporaryDirectory() as data_dir:
        services = await build_services(_settings(Path(data_dir), sessions=count))
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
    print(f"\nMemory store, {count} idle sessions open:")
    print(f"bytes per session  : {allocated / count:8.0f} (tracemalloc)")
    print(f"monitor's figure   : {stats.memory_bytes / count:8.0f} (admin memory_bytes / sessions)")


def main() -> None:
    """Run both benchmarks."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=5000, help="timed requests per path")
    parser.add_argument("--counted", type=int, default=200, help="requests counted per store")
    parser.add_argument("--sessions", type=int, default=100_000)
    parser.add_argument("--postgres-url", default=POSTGRES_URL, help="an existing database")
    parser.add_argument("--redis-url", default=REDIS_URL)
    args = parser.parse_args()
    started = time.perf_counter()
    requests_per_second(args.requests, args.counted, args.postgres_url, args.redis_url)
    asyncio.run(memory_per_session(args.sessions))
    print(f"\n(total {time.perf_counter() - started:.0f} s)")


if __name__ == "__main__":
    main()
