"""A real `dreamjob serve` process on 127.0.0.1 for the benchmarks that need one.

The flood and load benchmarks measure a server as users meet it (its own process, its own
limits, its resident memory), so they start it by the CLI, wait for `/healthz`, and stop it
by its pid, whatever happens.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import os
import signal
import socket
import sys
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import httpx

SECRET = "benchmark-secret-" + "x" * 40
# The key for secrets at rest (32 bytes, urlsafe base64), given so that no server or app the
# benchmarks build generates one and warns about it in the middle of their tables.
SECRET_KEY = base64.urlsafe_b64encode(b"benchmark-secrets-at-rest-key-32").decode()
START_TIMEOUT = 60  # seconds for the server to answer /healthz
STOP_TIMEOUT = 20  # seconds for it to stop on SIGTERM before it is killed


@dataclass(frozen=True)
class Served:
    """Where a started server listens and which process it is."""

    port: int
    pid: int

    @property
    def base_url(self) -> str:
        """The server's address, for HTTP clients."""
        return f"http://127.0.0.1:{self.port}"


def free_port() -> int:
    """A port nothing listens on now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def rss(pid: int) -> int:
    """Resident memory of the process, in bytes."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise RuntimeError("no VmRSS")


@contextlib.asynccontextmanager
async def serve(data_dir: Path, settings: dict[str, str]) -> AsyncIterator[Served]:
    """Run `dreamjob serve` on `data_dir` with `settings` (DREAMJOB_* variables) until the
    block ends; its output goes to `data_dir/serve.log`."""
    port = free_port()
    env = {
        **os.environ,
        "DREAMJOB_DATA_DIR": str(data_dir),
        "DREAMJOB_JWT_SECRET": SECRET,
        "DREAMJOB_SECRET_KEY": SECRET_KEY,
    }
    log = (data_dir / "serve.log").open("wb")
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-c", "from dreamjobsearch.cli import app; app()",
        "serve", "--port", str(port),
        env={**env, **settings}, stdout=log, stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    served = Served(port, process.pid)
    async with running(process, f"{served.base_url}/healthz", log, "the server"):
        yield served


@contextlib.asynccontextmanager
async def running(
    process: asyncio.subprocess.Process, url: str, log: BinaryIO, what: str
) -> AsyncIterator[None]:
    """Wait until `url` answers 200 (failing if the process exits or START_TIMEOUT passes),
    then run the block; after it, stop the process by its pid (SIGTERM, then SIGKILL) and
    close its log."""
    try:
        async with httpx.AsyncClient(timeout=2) as probe:
            deadline = time.monotonic() + START_TIMEOUT
            while True:
                with contextlib.suppress(httpx.TransportError):
                    if (await probe.get(url)).status_code == 200:
                        break
                if process.returncode is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"{what} did not start: see {log.name}")
                await asyncio.sleep(0.1)
        yield
    finally:
        if process.returncode is None:
            os.kill(process.pid, signal.SIGTERM)
            try:
                await asyncio.wait_for(process.wait(), STOP_TIMEOUT)
            except TimeoutError:
                os.kill(process.pid, signal.SIGKILL)
                await process.wait()
        log.close()
