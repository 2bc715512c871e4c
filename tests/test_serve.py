"""`dreamjob serve` as a process: idle connections close after KEEP_ALIVE_TIMEOUT."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import pytest
from conftest import TEST_SECRET
from processes import dreamjob_process, free_port, wait_healthy

# A real server process, and timeouts that must pass.
pytestmark = pytest.mark.slow

REQUEST = b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"


async def answered_after_idling(port: int, idle: float) -> bool:
    """Whether one connection still answers a second request after `idle` seconds."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(REQUEST)
        first = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 10)
        assert first.startswith(b"HTTP/1.1 200")
        length = next(
            int(line.split(b":")[1])
            for line in first.lower().split(b"\r\n")
            if line.startswith(b"content-length:")
        )
        await reader.readexactly(length)
        await asyncio.sleep(idle)
        writer.write(REQUEST)
        second = await asyncio.wait_for(reader.read(12), 10)
        return second.startswith(b"HTTP/1.1 200")
    except ConnectionError:
        return False
    finally:
        writer.close()


async def test_idle_connections_close_after_the_keep_alive_timeout(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "DREAMJOB_DATA_DIR": str(tmp_path / "data"),
        "DREAMJOB_JWT_SECRET": TEST_SECRET,
        "DREAMJOB_LOG_LEVEL": "WARNING",
    }
    short, default = free_port(), free_port()
    async with (
        dreamjob_process(
            ["serve", "--port", str(short)],
            {**env, "DREAMJOB_KEEP_ALIVE_TIMEOUT": "1"},
            tmp_path / "short.log",
        ),
        dreamjob_process(["serve", "--port", str(default)], env, tmp_path / "default.log"),
    ):
        await wait_healthy(f"http://127.0.0.1:{short}", tmp_path / "short.log")
        await wait_healthy(f"http://127.0.0.1:{default}", tmp_path / "default.log")
        # Margins of seconds both ways: a busy machine may run the server's timer late.
        # Both idle at once; 5 s by default.
        short_answered, default_answered = await asyncio.gather(
            answered_after_idling(short, 4), answered_after_idling(default, 2)
        )
        assert not short_answered
        assert default_answered
