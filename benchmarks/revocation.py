"""How long after a logout on one process another process refuses the session's token.

Two real `dreamjob serve` processes, A and B, on one PostgreSQL database (and Redis), as
behind a load balancer. Each trial: log in on B, make two authenticated requests on A (so A
has the session in its cache), log out on B, then ask A again and again until it answers
401. The figure is the time from B's answer to the logout to A's first 401 (so it includes
one request to A: what a client would see). The issue's bound is 50 ms.

Everything talks to 127.0.0.1 only (the defaults below); the PostgreSQL database is created
for the run and dropped after, the Redis keys live under a prefix of their own and are
deleted after, and the servers are stopped by their pids.

Run: `uv run python benchmarks/revocation.py [--trials N] [--store redis|database|both]
[--postgres-url URL] [--redis-url URL]`
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import statistics
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import redis
from bench_support import postgres_database
from served import serve

POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/test"
REDIS_URL = "redis://127.0.0.1:6379/0"
PASSWORD = "correct horse battery"
# A revocation not seen within this long is a failure, not a slow figure.
GIVE_UP = 5.0


async def measure_revocation(
    on_a: httpx.AsyncClient,
    on_b: httpx.AsyncClient,
    trials: int = 20,
    email: str = "revocation@example.com",
) -> list[float]:
    """Milliseconds from a logout on B to A's first refusal of the token, per trial
    (registers `email` first)."""
    registered = await on_a.post("/register", json={"email": email, "password": PASSWORD})
    registered.raise_for_status()
    await _logout(on_a, registered.json()["access_token"])
    delays = []
    for _ in range(trials):
        logged_in = await on_b.post("/login", json={"email": email, "password": PASSWORD})
        logged_in.raise_for_status()
        headers = {"Authorization": f"Bearer {logged_in.json()['access_token']}"}
        for _ in range(2):
            (await on_a.get("/auth/status", headers=headers)).raise_for_status()
        await _logout(on_b, logged_in.json()["access_token"])
        ended = time.perf_counter()
        while (await on_a.get("/auth/status", headers=headers)).status_code == 200:
            if time.perf_counter() - ended > GIVE_UP:
                raise AssertionError(f"A still accepts the token {GIVE_UP:g} s after the logout")
        delays.append((time.perf_counter() - ended) * 1000)
    return delays


async def _logout(client: httpx.AsyncClient, token: str) -> None:
    response = await client.post("/logout", headers={"Authorization": f"Bearer {token}"})
    response.raise_for_status()


def summary(delays: list[float]) -> str:
    """Median, 95th percentile and maximum, in milliseconds."""
    ordered = sorted(delays)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return (
        f"median {statistics.median(ordered):.1f} ms, p95 {p95:.1f} ms, "
        f"max {ordered[-1]:.1f} ms over {len(ordered)} trials"
    )


@contextlib.contextmanager
def redis_prefix(url: str) -> Iterator[str]:
    """A key prefix of the run's own; its keys are deleted after."""
    prefix = f"dreamjob-bench:{uuid.uuid4().hex[:12]}:"
    try:
        yield prefix
    finally:
        client = redis.Redis.from_url(url)
        keys = list(client.scan_iter(match=f"{prefix}*"))
        if keys:
            client.delete(*keys)
        client.close()


@contextlib.asynccontextmanager
async def two_servers(settings: dict[str, str]) -> AsyncIterator[tuple[str, str]]:
    """Two `dreamjob serve` processes on the same settings; their addresses."""
    with tempfile.TemporaryDirectory() as directory:
        a_dir, b_dir = Path(directory, "a"), Path(directory, "b")
        for data_dir in (a_dir, b_dir):
            await asyncio.to_thread(data_dir.mkdir)
        async with serve(a_dir, settings) as a, serve(b_dir, settings) as b:
            yield a.base_url, b.base_url


async def run(store: str, trials: int, postgres_url: str, redis_url: str) -> list[float]:
    """One store's figures, on fresh storage."""
    with postgres_database(postgres_url) as database_url, redis_prefix(redis_url) as prefix:
        settings = {
            "DREAMJOB_DATABASE_URL": database_url,
            "DREAMJOB_SESSION_STORE": store,
            "DREAMJOB_REDIS_URL": redis_url,
            "DREAMJOB_REDIS_PREFIX": prefix,
        }
        if store == "database":
            del settings["DREAMJOB_REDIS_URL"]  # sessions and their broadcasts in PostgreSQL
        async with (
            two_servers(settings) as (a_url, b_url),
            httpx.AsyncClient(base_url=a_url, timeout=10) as on_a,
            httpx.AsyncClient(base_url=b_url, timeout=10) as on_b,
        ):
            return await measure_revocation(on_a, on_b, trials)


def main() -> None:
    """Print the figures of each store."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=20)
    parser.add_argument("--store", choices=["redis", "database", "both"], default="both")
    parser.add_argument("--postgres-url", default=POSTGRES_URL)
    parser.add_argument("--redis-url", default=REDIS_URL)
    arguments = parser.parse_args()
    stores = ["redis", "database"] if arguments.store == "both" else [arguments.store]
    for store in stores:
        delays = asyncio.run(
            run(store, arguments.trials, arguments.postgres_url, arguments.redis_url)
        )
        where = "redis store" if store == "redis" else "database store on PostgreSQL"
        print(f"revocation seen by the other process, {where}: {summary(delays)}")


if __name__ == "__main__":
    main()
