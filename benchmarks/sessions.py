"""Session benchmarks, each against a baseline measured in the same run.

1. Requests per second of `GET /auth/status` (token check + session resolve + workspace)
   against a bare endpoint of the same app, called straight through ASGI.
2. Bytes of memory per idle session when 100,000 sessions are open (tracemalloc), and what
   the admin monitor's measurement says.

Run: `uv run python benchmarks/sessions.py [--requests N] [--sessions S]`
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
import tracemalloc
from collections.abc import MutableMapping
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from fastapi import FastAPI

    from dreamjobsearch.config import Settings


async def _call(app: FastAPI, path: str, headers: list[tuple[bytes, bytes]]) -> int:
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


async def _rate(app: FastAPI, path: str, headers: list[tuple[bytes, bytes]], total: int) -> float:
    for _ in range(100):
        assert await _call(app, path, headers) == 200
    started = time.perf_counter()
    for _ in range(total):
        await _call(app, path, headers)
    return total / (time.perf_counter() - started)


async def requests_per_second(total: int) -> None:
    """Print requests/s of /auth/status and of a bare endpoint of the same app, and the ratio.

    Requests go straight into the ASGI app (no socket, no client), so the figures are the
    app's own cost per request and the ratio is what authentication and sessions add.
    """
    from dreamjobsearch.app import create_app

    with tempfile.TemporaryDirectory() as data_dir:
        app = create_app(_settings(Path(data_dir), sessions=10))

        @app.get("/bench/bare")
        async def bare() -> dict[str, bool]:
            return {"ok": True}

        async with app.router.lifespan_context(app):
            services = app.state.services
            await services.auth.register("bench@example.com", "benchmark-pass")
            issued = await services.auth.login("bench@example.com", "benchmark-pass", "bench")
            auth = [(b"authorization", f"Bearer {issued.access_token}".encode())]
            bare_rate = await _rate(app, "/bench/bare", [], total)
            status_rate = await _rate(app, "/auth/status", auth, total)
    print(f"bare endpoint      : {bare_rate:8.0f} req/s")
    print(f"GET /auth/status   : {status_rate:8.0f} req/s")
    print(f"ratio status/bare  : {status_rate / bare_rate:8.2f}")


def _settings(data_dir: Path, sessions: int) -> Settings:
    from dreamjobsearch.config import Settings

    return Settings(
        _env_file=None,
        data_dir=data_dir,
        jwt_secret="benchmark-secret-" + "x" * 40,
        session_max_total=sessions + 1,
    )


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
                await manager.open(user_id, f"user{user_id}@example.com", {})
            after = tracemalloc.take_snapshot()
            tracemalloc.stop()
            allocated = sum(stat.size_diff for stat in after.compare_to(before, "filename"))
            stats = await manager.stats()
        finally:
            await services.aclose()
    print(f"sessions open      : {count:8d}")
    print(f"bytes per session  : {allocated / count:8.0f} (tracemalloc)")
    print(f"monitor's figure   : {stats.memory_bytes / count:8.0f} (admin memory_bytes / sessions)")


def main() -> None:
    """Run both benchmarks."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=5000)
    parser.add_argument("--sessions", type=int, default=100_000)
    args = parser.parse_args()
    asyncio.run(requests_per_second(args.requests))
    asyncio.run(memory_per_session(args.sessions))


if __name__ == "__main__":
    main()
