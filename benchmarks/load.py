"""Load test: many users logging in and ranking at once against a live `dreamjob serve`.

1. Starts `dreamjob serve` on 127.0.0.1 (a temporary DATA_DIR, SQLite, the memory session
   store, `SESSION_MAX_TOTAL` sessions at most) and registers `--users` accounts; a tenth of
   them import the 320 example postings, so that rankings have work to do.
2. For `--duration` seconds every user loops: log in (a new session each time), rank their
   postings a few times with that session, now and then read their sessions; with no pause
   by default (the server saturated), or pausing `--think` seconds on average between
   actions as a person reading results would (latency below saturation). It counts
   requests and errors (anything but the expected status, or a connection that failed) and
   reports p50/p95/p99 latency per endpoint, and the server's resident memory (VmRSS)
   before and after. Logins use connections of their own, so the other endpoints' latency
   is the server's, not a wait for a connection held by a queued login.
3. A login flood: `--flood` more logins as fast as they go. At the cap a login ends the
   user's own oldest session (at `SESSION_MAX_PER_USER`) or is refused with 503 (never
   ending another user's), so the number of sessions stays at the cap and memory must not
   grow with the number of logins: the RSS growth during the flood is printed next to the
   RSS growth of the whole run. Refused logins are counted apart, not as errors.

Only 127.0.0.1 is contacted; the server is stopped by its pid and its DATA_DIR removed.
Run: `uv run python benchmarks/load.py [--users 1000] [--duration 60] [--flood 5000]
[--think 0]`
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import AsyncIterator, Coroutine, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from served import rss, serve

EXAMPLES = Path(__file__).resolve().parent.parent / "examples" / "postings.json"
PASSWORD = "load test passphrase"
ADMIN = "admin@load.example.com"
SERVER_KEEP_ALIVE = 60
CLIENT_KEEP_ALIVE = 5.0
KEYWORDS = [["python", "django"], ["java", "spring", "kotlin"], ["react", "typescript"], ["sql"]]


@dataclass
class Tally:
    """Latencies by endpoint, and what went wrong."""

    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    refused: int = 0  # logins refused at the server's session cap (503), as they should be

    def record(self, name: str, started: float, response: httpx.Response, expected: int) -> bool:
        """Count one request; False (and an error) when its status is not `expected`."""
        self.latencies[name].append(time.perf_counter() - started)
        if response.status_code != expected:
            self.errors[f"{name} {response.status_code}"] += 1
            return False
        return True

    async def send(
        self, name: str, request: Coroutine[Any, Any, httpx.Response]
    ) -> tuple[float, httpx.Response | None]:
        """When `request` started, and its response; None (counted as an error) when the
        connection failed before an answer came."""
        started = time.perf_counter()
        try:
            return started, await request
        except httpx.TransportError as error:
            self.latencies[name].append(time.perf_counter() - started)
            self.errors[f"{name} {type(error).__name__}"] += 1
            return started, None

    @property
    def requests(self) -> int:
        """How many requests were made."""
        return sum(len(values) for values in self.latencies.values())

    @property
    def error_count(self) -> int:
        """How many answered with an unexpected status."""
        return sum(self.errors.values())


@dataclass(frozen=True)
class Report:
    """What one load run measured."""

    users: int
    tally: Tally
    seconds: float
    rss_start: int
    rss_after_load: int
    rss_after_flood: int
    sessions_after_flood: int
    session_cap: int
    flood: int


@dataclass(frozen=True)
class Clients:
    """Logins on connections of their own, so that a ranking's latency is the server's,
    not a wait for a connection that queued logins hold."""

    auth: httpx.AsyncClient
    api: httpx.AsyncClient


@contextlib.asynccontextmanager
async def _clients(base_url: str) -> AsyncIterator[Clients]:
    # The client drops idle connections long before the server does: on a saturated
    # machine the client can send on a connection it believes idle for a second while the
    # server, seconds behind, closes it as idle past its keep-alive timeout, and the request
    # fails with a read error that says nothing about the server.
    auth_limits = httpx.Limits(max_connections=200, keepalive_expiry=CLIENT_KEEP_ALIVE)
    api_limits = httpx.Limits(max_connections=400, keepalive_expiry=CLIENT_KEEP_ALIVE)
    async with (
        httpx.AsyncClient(base_url=base_url, timeout=60, limits=auth_limits) as auth,
        httpx.AsyncClient(base_url=base_url, timeout=60, limits=api_limits) as api,
    ):
        yield Clients(auth, api)


async def _grant_admin(data_dir: Path, email: str) -> None:
    """Make the account an admin as an operator does, with `dreamjob admin grant`."""
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-c", "from dreamjobsearch.cli import app; app()",
        "admin", "grant", email,
        env={**os.environ, "DREAMJOB_DATA_DIR": str(data_dir)},
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
    )  # fmt: skip
    if await process.wait() != 0:
        raise RuntimeError(f"dreamjob admin grant {email} failed")


def _settings(session_cap: int) -> dict[str, str]:
    """The server's settings for this run."""
    return {
        "DREAMJOB_SESSION_STORE": "memory",
        "DREAMJOB_SESSION_MAX_TOTAL": str(session_cap),
        "DREAMJOB_SESSION_MAX_PER_USER": "3",
        "DREAMJOB_LOGIN_MAX_FAILURES": "1000",
        "DREAMJOB_REGISTER_MAX_PER_ADDRESS": "1000000",  # every user signs up from 127.0.0.1
        "DREAMJOB_LOG_LEVEL": "WARNING",
        "DREAMJOB_KEEP_ALIVE_TIMEOUT": str(SERVER_KEEP_ALIVE),
    }


async def _bounded(limit: int, jobs: list[Coroutine[Any, Any, object]]) -> None:
    """Run the coroutines, at most `limit` at a time."""
    semaphore = asyncio.Semaphore(limit)

    async def run(job: Coroutine[Any, Any, object]) -> None:
        async with semaphore:
            await job

    await asyncio.gather(*(run(job) for job in jobs))


async def _login(client: httpx.AsyncClient, tally: Tally, email: str) -> str | None:
    started, response = await tally.send(
        "POST /login", client.post("/login", json={"email": email, "password": PASSWORD})
    )
    if response is not None and response.status_code == 503 and "Retry-After" in response.headers:
        tally.latencies["POST /login"].append(time.perf_counter() - started)
        tally.refused += 1
        return None
    if response is None or not tally.record("POST /login", started, response, 200):
        return None
    token: str = response.json()["access_token"]
    return token


async def _user_loop(
    clients: Clients, tally: Tally, email: str, stop_at: float, rng: random.Random, think: float
) -> None:
    async def pause() -> None:
        # A person reads between actions: `think` seconds on average (exponential).
        if think:
            await asyncio.sleep(
                min(rng.expovariate(1 / think), max(0.0, stop_at - time.monotonic()))
            )

    while time.monotonic() < stop_at:
        await pause()
        token = await _login(clients.auth, tally, email)
        if token is None:
            continue
        headers = {"Authorization": f"Bearer {token}"}
        for _ in range(rng.randint(2, 5)):
            await pause()
            body = {"keywords": rng.choice(KEYWORDS), "limit": 20}
            started, response = await tally.send(
                "POST /job-postings", clients.api.post("/job-postings", json=body, headers=headers)
            )
            if response is None:
                break
            # 401: the session was evicted by other users' logins (the cap): log in again.
            if response.status_code == 401:
                tally.latencies["POST /job-postings"].append(time.perf_counter() - started)
                break
            tally.record("POST /job-postings", started, response, 200)
        if rng.random() < 0.2:
            started, response = await tally.send(
                "GET /sessions", clients.api.get("/sessions", headers=headers)
            )
            if response is not None and response.status_code != 401:
                tally.record("GET /sessions", started, response, 200)


async def run_load(
    users: int,
    duration: float,
    flood: int,
    session_cap: int,
    think: float = 0,
    server_settings: Mapping[str, str] | None = None,
) -> Report:
    """Start a server, load it, flood it with logins; return what was measured. With
    `think` 0 every user sends its next request as soon as the last is answered (the
    server saturated); otherwise users pause `think` seconds on average between actions.
    `server_settings` adds to or overrides the server's environment."""
    with tempfile.TemporaryDirectory(prefix="dreamjob-load-") as directory:
        data_dir = Path(directory)
        async with (
            serve(data_dir, {**_settings(session_cap), **(server_settings or {})}) as served,
            _clients(served.base_url) as clients,
        ):
            pid = served.pid
            setup = Tally()
            emails = [f"user{n}@load.example.com" for n in range(users)]
            await _bounded(
                50,
                [
                    _register(clients.auth, setup, email, import_postings=n % 10 == 0)
                    for n, email in enumerate(emails)
                ],
            )
            admin = await _register(clients.auth, setup, ADMIN, import_postings=False)
            await _grant_admin(data_dir, ADMIN)
            if setup.error_count:
                raise RuntimeError(f"setting up failed: {dict(setup.errors)}")
            rss_start = rss(pid)

            tally = Tally()
            started = time.monotonic()
            stop_at = started + duration
            await asyncio.gather(
                *(
                    _user_loop(clients, tally, email, stop_at, random.Random(n), think)
                    for n, email in enumerate(emails)
                )
            )
            seconds = time.monotonic() - started
            rss_after_load = rss(pid)

            flooding = Tally()
            flood_emails = [emails[n % len(emails)] for n in range(flood)]
            await _bounded(50, [_login(clients.auth, flooding, email) for email in flood_emails])
            tally.errors.update({f"flood {k}": v for k, v in flooding.errors.items()})
            rss_after_flood = rss(pid)
            # Not counted with the users' logins: it only reads the session count.
            admin_token = await _login(clients.auth, setup, ADMIN) or admin or ""
            view = await clients.api.get(
                "/admin/sessions", headers={"Authorization": f"Bearer {admin_token}"}
            )
            sessions = int(view.json()["total_sessions"]) if view.status_code == 200 else -1
    return Report(
        users=users,
        tally=tally,
        seconds=seconds,
        rss_start=rss_start,
        rss_after_load=rss_after_load,
        rss_after_flood=rss_after_flood,
        sessions_after_flood=sessions,
        session_cap=session_cap,
        flood=flood,
    )


async def _register(
    client: httpx.AsyncClient, tally: Tally, email: str, *, import_postings: bool
) -> str:
    started = time.perf_counter()
    response = await client.post("/register", json={"email": email, "password": PASSWORD})
    if not tally.record("POST /register", started, response, 201):
        return ""
    token: str = response.json()["access_token"]
    if import_postings:
        body = await asyncio.to_thread(EXAMPLES.read_bytes)
        started = time.perf_counter()
        response = await client.post(
            "/job-postings/import",
            content=body,
            headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        )
        tally.record("POST /job-postings/import", started, response, 201)
    return token


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def print_report(report: Report) -> None:
    """The table of latencies, errors and memory."""
    tally = report.tally
    print(f"{report.users} users for {report.seconds:.0f} s: {tally.requests} requests, "
          f"{tally.requests / report.seconds:.0f}/s, {tally.error_count} errors, "
          f"{tally.refused} logins refused at the session cap")  # fmt: skip
    print(f"{'endpoint':<22} {'count':>7} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8}")
    for name, values in sorted(tally.latencies.items()):
        print(
            f"{name:<22} {len(values):>7} {statistics.median(values) * 1000:>8.1f} "
            f"{_percentile(values, 0.95) * 1000:>8.1f} {_percentile(values, 0.99) * 1000:>8.1f}"
        )
    for name, count in sorted(tally.errors.items()):
        print(f"error: {name} x{count}")
    mib = 1024 * 1024
    print(
        f"server RSS: {report.rss_start / mib:.0f} MiB before, {report.rss_after_load / mib:.0f} "
        f"after the load, {report.rss_after_flood / mib:.0f} after {report.flood} more logins "
        f"(sessions: {report.sessions_after_flood}, cap {report.session_cap})"
    )


def main() -> None:
    """Parse the arguments, run, print."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=1000)
    parser.add_argument("--duration", type=float, default=60)
    parser.add_argument("--flood", type=int, default=5000)
    parser.add_argument("--session-cap", type=int, default=1200)
    parser.add_argument(
        "--think", type=float, default=0, help="mean seconds a user pauses between actions"
    )
    args = parser.parse_args()
    report = asyncio.run(
        run_load(args.users, args.duration, args.flood, args.session_cap, args.think)
    )
    print_report(report)
    print(json.dumps({"errors": report.tally.error_count}))


if __name__ == "__main__":
    main()
