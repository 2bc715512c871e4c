"""Raw HTTP/1.1 over loopback sockets, for tests of what a well-behaved client never sends."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from conftest import TEST_SECRET
from processes import dreamjob_process, free_port, wait_healthy

REQUEST = b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"


@dataclass(frozen=True)
class Served:
    """A running `dreamjob serve` process."""

    port: int
    pid: int

    @property
    def url(self) -> str:
        """Its base URL."""
        return f"http://127.0.0.1:{self.port}"


@asynccontextmanager
async def serving(tmp_path: Path, name: str = "serve", **settings: Any) -> AsyncIterator[Served]:
    """Run `dreamjob serve` with DREAMJOB_ settings (names in lower case) until the block ends."""
    port = free_port()
    env = {
        **os.environ,
        "DREAMJOB_DATA_DIR": str(tmp_path / name),
        "DREAMJOB_JWT_SECRET": TEST_SECRET,
        "DREAMJOB_LOG_LEVEL": "WARNING",
        # Cheap password hashing: these tests register accounts, they do not test Argon2.
        "DREAMJOB_ARGON2_MEMORY_KIB": "7168",
        "DREAMJOB_ARGON2_TIME_COST": "1",
        **{f"DREAMJOB_{key.upper()}": str(value) for key, value in settings.items()},
    }
    log = tmp_path / f"{name}.log"
    async with dreamjob_process(["serve", "--port", str(port)], env, log) as pid:
        served = Served(port, pid)
        await wait_healthy(served.url, log)
        yield served


async def answer(port: int, request: bytes, within: float = 10) -> bytes:
    """Send raw bytes on a new connection; the whole answer up to the server's close.

    A server that closes while the request is still being written gives what it sent
    before closing (possibly nothing).
    """
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        with suppress(ConnectionError):
            writer.write(request)
            await writer.drain()
        received = b""
        with suppress(ConnectionError):
            async with asyncio.timeout(within):
                while chunk := await reader.read(65536):
                    received += chunk
        return received
    finally:
        writer.close()


async def closed_by_server(reader: asyncio.StreamReader, within: float) -> bool:
    """Whether the server closes the connection within `within` seconds (reading what comes)."""
    try:
        async with asyncio.timeout(within):
            while await reader.read(65536):
                pass
    except TimeoutError:
        return False
    except ConnectionError:
        return True
    return True


def rss_bytes(pid: int) -> int:
    """The resident memory of a process, from /proc."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise AssertionError(f"no VmRSS for {pid}")


async def healthy(port: int) -> bool:
    """Whether a fresh client gets 200 from /healthz."""
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=10) as client:
        return (await client.get("/healthz")).status_code == 200
