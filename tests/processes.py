"""Running `dreamjob` commands as real processes in tests, and following their update runs."""

from __future__ import annotations

import asyncio
import importlib.util
import itertools
import json
import os
import signal
import socket
import sys
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
from conftest import TEST_SECRET
from services_available import REDIS_URL
from support import bearer

from dreamjobsearch.sources.catalog import SOURCES

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
BENCHMARKS = Path(__file__).resolve().parent.parent / "benchmarks"
DREAMJOB = [sys.executable, "-c", "from dreamjobsearch.cli import app; app()"]
FINAL = {"succeeded", "failed", "cancelled", "interrupted"}
# An update run over `big.json` (see `big_feed`) that goes on for a while: 30 searches.
SLOW_RUN = {
    "queries": ["engineer", "developer", "senior", "python", "data", "manager"],
    "locations": ["", "poland", "germany", "united kingdom", "netherlands"],
    "max_jobs_per_search": 1000,
    "sources": [{"type": "file", "path": "big.json"}],
}


def _worker_ports() -> Iterator[int]:
    # Each test worker (xdist's gw0, gw1...) takes ports from a range of its own, below
    # the kernel's ephemeral ones: two workers handed the same free port would both start
    # a server on it, and the one that lost the bind would be tested through the other's.
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
    start = PORTS_START + PORTS_PER_WORKER * int(worker.removeprefix("gw") or 0)
    return itertools.cycle(range(start, start + PORTS_PER_WORKER))


PORTS_START, PORTS_PER_WORKER = 20_000, 1_500
_PORTS = _worker_ports()


def free_port() -> int:
    """A TCP port of 127.0.0.1 nobody listens on right now, of this test worker's own
    range (the next one each time)."""
    for _ in range(PORTS_PER_WORKER):
        port = next(_PORTS)
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:  # in use: a service, or a server a test left in TIME_WAIT
                continue
            return port
    raise RuntimeError("no free port in this worker's range")


@asynccontextmanager
async def dreamjob_process(args: list[str], env: dict[str, str], log: Path) -> AsyncIterator[int]:
    """Run a dreamjob command; kill it (by pid) when the block ends."""
    with log.open("wb") as output:
        process = await asyncio.create_subprocess_exec(
            *DREAMJOB, *args, env=env, stdout=output, stderr=asyncio.subprocess.STDOUT
        )
        try:
            yield process.pid
        finally:
            if process.returncode is None:
                os.kill(process.pid, signal.SIGKILL)
            await asyncio.wait_for(process.wait(), 15)


def deployment_env(data_dir: Path, postgres_url: str, prefix: str, **extra: str) -> dict[str, str]:
    """The environment of the deployment for many users: PostgreSQL, Redis sessions under
    the test's key prefix, and runs through the job queue."""
    data_dir.mkdir(exist_ok=True)
    return {
        **os.environ,
        "DREAMJOB_DATA_DIR": str(data_dir),
        "DREAMJOB_DATABASE_URL": postgres_url,
        "DREAMJOB_REDIS_URL": REDIS_URL,
        "DREAMJOB_REDIS_PREFIX": prefix,
        "DREAMJOB_SESSION_STORE": "redis",
        "DREAMJOB_RUNNER": "queue",
        "DREAMJOB_JWT_SECRET": TEST_SECRET,
        **extra,
    }


async def wait_healthy(base_url: str, log: Path) -> None:
    """Wait (30 s at most) for a started server to answer /healthz; show its log if not."""
    deadline = time.monotonic() + 30
    async with httpx.AsyncClient(base_url=base_url, timeout=2) as client:
        while time.monotonic() < deadline:
            try:
                if (await client.get("/healthz")).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.2)
    output = await asyncio.to_thread(log.read_text, errors="replace")
    raise AssertionError(f"{base_url} did not start:\n{output[-2000:]}")


@asynccontextmanager
async def two_servers(
    tmp_path: Path, **settings: str
) -> AsyncIterator[tuple[httpx.AsyncClient, httpx.AsyncClient]]:
    """Two `dreamjob serve` processes on one database (and the given settings); a client on
    each. Both processes are killed when the block ends."""
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    env = {
        **os.environ,
        "DREAMJOB_DATA_DIR": str(data_dir),
        "DREAMJOB_JWT_SECRET": TEST_SECRET,
        "DREAMJOB_LOG_HEARTBEAT_INTERVAL": "1",
        **{f"DREAMJOB_{name.upper()}": value for name, value in settings.items()},
    }
    port_a, port_b = free_port(), free_port()
    a_url, b_url = f"http://127.0.0.1:{port_a}", f"http://127.0.0.1:{port_b}"
    async with (
        dreamjob_process(["serve", "--port", str(port_a)], env, tmp_path / "a.log"),
        dreamjob_process(["serve", "--port", str(port_b)], env, tmp_path / "b.log"),
    ):
        await wait_healthy(a_url, tmp_path / "a.log")
        await wait_healthy(b_url, tmp_path / "b.log")
        async with (
            httpx.AsyncClient(base_url=a_url, timeout=10) as on_a,
            httpx.AsyncClient(base_url=b_url, timeout=10) as on_b,
        ):
            yield on_a, on_b


def benchmark(name: str) -> ModuleType:
    """`benchmarks/<name>.py`, imported from its file (benchmarks/ is not a package; its
    scripts import their sibling modules, as when run from there)."""
    if str(BENCHMARKS) not in sys.path:
        sys.path.append(str(BENCHMARKS))
    spec = importlib.util.spec_from_file_location(f"{name}_benchmark", BENCHMARKS / f"{name}.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def generate_postings(count: int) -> list[dict[str, Any]]:
    """`count` realistic postings, from examples/generate_postings.py."""
    spec = importlib.util.spec_from_file_location(
        "generate_postings", EXAMPLES / "generate_postings.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    postings: list[dict[str, Any]] = module.generate_postings(count)
    return postings


def big_feed(count: int) -> bytes:
    """A JSON import file of `count` realistic postings (20,000 make about 31 MB)."""
    return json.dumps({"postings": generate_postings(count)}).encode()


# Room in a user's file area for a big feed (over the 10 MiB default of a file).
BIG_FILE_LIMITS = {
    "max_request_bytes": 64 * 1024 * 1024,
    "max_user_file_bytes": 64 * 1024 * 1024,
    "max_user_files_total_bytes": 128 * 1024 * 1024,
}


def big_file_env() -> dict[str, str]:
    """`BIG_FILE_LIMITS` as the environment of a `dreamjob` process."""
    return {f"DREAMJOB_{name.upper()}": str(value) for name, value in BIG_FILE_LIMITS.items()}


async def run_status(client: httpx.AsyncClient, token: str, run_id: str) -> str:
    """The run's status, through the API."""
    response = await client.get(f"/runs/{run_id}", headers=bearer(token))
    assert response.status_code == 200, response.text
    status: str = response.json()["status"]
    return status


async def wait_run_status(
    client: httpx.AsyncClient, token: str, run_id: str, wanted: set[str], within: float
) -> str:
    """Poll the run until its status is one of `wanted`; fail after `within` seconds."""
    deadline = time.monotonic() + within
    while (status := await run_status(client, token, run_id)) not in wanted:
        assert time.monotonic() < deadline, f"run still {status} after {within} s"
        await asyncio.sleep(0.1)
    return status


CLOSED_PORT_URL = "http://127.0.0.1:9"


def boards_nowhere() -> dict[str, str]:
    """The environment that points every board at a closed local port: a process under test
    reaches no real board, and its runs end at once."""
    return {
        f"DREAMJOB_{name.upper()}_BASE_URL": CLOSED_PORT_URL
        for name, kind in SOURCES.items()
        if kind.default_base_url is not None
    }
