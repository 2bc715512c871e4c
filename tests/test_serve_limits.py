"""`dreamjob serve` as a process: header size and time, open connections, requests in progress."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import time
from contextlib import AsyncExitStack, suppress
from pathlib import Path

import httpx
import pytest
from raw_http import REQUEST, Served, answer, closed_by_server, healthy, rss_bytes, serving
from support import bearer, register

# Real server processes, and timeouts that must pass.
pytestmark = pytest.mark.slow

MIB = 1024 * 1024


def status_of(raw: bytes) -> int:
    """The status code of a raw HTTP answer (0: none)."""
    return int(raw.split(b" ", 2)[1]) if raw.startswith(b"HTTP/1.1 ") else 0


def header_of(raw: bytes, name: str) -> str | None:
    """A header's value in a raw HTTP answer."""
    head = raw.split(b"\r\n\r\n", 1)[0].decode("latin-1")
    for line in head.split("\r\n")[1:]:
        key, _, value = line.partition(":")
        if key.strip().lower() == name:
            return value.strip()
    return None


def json_body(raw: bytes) -> dict[str, object]:
    """The JSON body of a raw HTTP answer."""
    body: dict[str, object] = json.loads(raw.split(b"\r\n\r\n", 1)[1])
    return body


def with_header(value_size: int) -> bytes:
    """A /healthz request carrying one header of `value_size` bytes."""
    return (
        b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Filler: " + b"a" * value_size + b"\r\n\r\n"
    )


async def open_streams(
    stack: AsyncExitStack, client: httpx.AsyncClient, token: str, count: int
) -> None:
    """`count` open `/logs` streams, closed with the stack."""
    for _ in range(count):
        response = await stack.enter_async_context(
            client.stream("GET", "/logs", headers=bearer(token))
        )
        assert response.status_code == 200


async def test_headers_over_the_limit_get_431_and_never_200(tmp_path: Path) -> None:
    async with serving(tmp_path, max_header_bytes=16384) as served:
        accepted = await answer(served.port, with_header(8000))
        assert status_of(accepted) == 200
        assert header_of(accepted, "server") is None  # the server's software is not named
        refused = await answer(served.port, with_header(20000))
        assert status_of(refused) == 431
        assert "16384" in str(json_body(refused)["detail"])
        # 5 MB: refused once 16 KiB are in, so the client may see the answer or only a close.
        assert status_of(await answer(served.port, with_header(5 * MIB))) in (0, 431)
        assert await healthy(served.port)


async def test_a_url_over_the_limit_gets_414_naming_the_request_line(tmp_path: Path) -> None:
    async with serving(tmp_path, max_header_bytes=16384) as served:
        query = b"&".join(b"keywords=python" for _ in range(1500))  # about 24 KB
        long_url = b"GET /healthz?" + query + b" HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
        refused = await answer(served.port, long_url)
        assert status_of(refused) == 414
        assert header_of(refused, "content-type") == "application/json"
        detail = str(json_body(refused)["detail"])
        assert "request line" in detail
        assert "16384" in detail
        # A URL within the limit whose headers carry it over names the headers instead.
        short_url = b"GET /healthz?" + query[:8000] + b" HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        filler = b"X-Filler: " + b"a" * 10000 + b"\r\n\r\n"
        assert status_of(await answer(served.port, short_url + filler)) == 431
        assert await healthy(served.port)


async def test_a_never_ending_header_line_is_cut_off(tmp_path: Path) -> None:
    async with serving(tmp_path) as served:
        before = rss_bytes(served.pid)
        sent = 0
        reader, writer = await asyncio.open_connection("127.0.0.1", served.port)
        try:
            writer.write(b"GET /healthz HTTP/1.1\r\nX-Endless: ")
            chunk = b"a" * 65536
            with suppress(ConnectionError):
                while sent < 100 * MIB:
                    writer.write(chunk)
                    await asyncio.wait_for(writer.drain(), 10)
                    sent += len(chunk)
            assert await closed_by_server(reader, 10)
        finally:
            writer.close()
        # The socket buffers absorb some megabytes; the server stops reading long before 100.
        assert sent < 20 * MIB
        assert rss_bytes(served.pid) - before < 20 * MIB


async def test_headers_that_take_too_long_close_the_connection(tmp_path: Path) -> None:
    async with serving(tmp_path, header_timeout=1) as served:
        # Silent from the start.
        reader, writer = await asyncio.open_connection("127.0.0.1", served.port)
        started = time.monotonic()
        assert await closed_by_server(reader, 10)
        assert time.monotonic() - started < 8
        writer.close()
        # Slowloris: a byte of header every 0.2 s, never finishing.
        reader, writer = await asyncio.open_connection("127.0.0.1", served.port)
        started = time.monotonic()
        writer.write(b"GET /healthz HTTP/1.1\r\n")
        with suppress(ConnectionError):
            while time.monotonic() - started < 10 and not reader.at_eof():
                writer.write(b"X")
                await writer.drain()
                if await closed_by_server(reader, 0.2):
                    break
        assert time.monotonic() - started < 8
        writer.close()
        # A connection that keeps sending whole requests is no slowloris.
        reader, writer = await asyncio.open_connection("127.0.0.1", served.port)
        for _ in range(3):
            writer.write(REQUEST)
            head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 10)
            assert status_of(head) == 200
            await reader.readexactly(int(header_of(head, "content-length") or 0))
            await asyncio.sleep(0.6)
        writer.close()


async def test_idle_connections_give_way_at_the_connection_cap(tmp_path: Path) -> None:
    async with serving(tmp_path, max_connections=20, header_timeout=60) as served:
        idle = [await asyncio.open_connection("127.0.0.1", served.port) for _ in range(40)]
        try:
            # Every one over the cap closed the one idle longest: the first 20 are gone.
            for reader, _writer in idle[:20]:
                assert await closed_by_server(reader, 5)
            for reader, _writer in idle[20:]:
                assert not reader.at_eof()
            # A new client still gets in (and pushes out another idle one).
            assert await healthy(served.port)
        finally:
            for _reader, writer in idle:
                writer.close()


async def test_busy_connections_at_the_cap_refuse_a_new_one_with_503(tmp_path: Path) -> None:
    async with (
        serving(tmp_path, max_connections=3) as served,
        httpx.AsyncClient(base_url=served.url, timeout=10) as client,
        AsyncExitStack() as stack,
    ):
        token = await register(client, "a@example.com")
        # Three streams, on three connections: the third pushes out the one idle
        # connection (`client`'s, kept alive after registering).
        await open_streams(stack, client, token, 3)
        refused = await answer(served.port, REQUEST)
        assert status_of(refused) == 503
        assert header_of(refused, "retry-after") is not None
        assert "connections" in str(json_body(refused)["detail"])


async def test_requests_over_the_concurrency_limit_get_503(tmp_path: Path) -> None:
    async with (
        serving(tmp_path, limit_concurrency=2) as served,
        httpx.AsyncClient(base_url=served.url, timeout=10) as client,
    ):
        token = await register(client, "a@example.com")
        async with AsyncExitStack() as stack:
            await open_streams(stack, client, token, 2)
            busy = await client.get("/healthz")
            assert busy.status_code == 503
            assert busy.headers["content-type"] == "application/json"
            assert int(busy.headers["retry-after"]) > 0
        # Both streams closed: room again.
        await _eventually_healthy(served)


async def _eventually_healthy(served: Served, within: float = 10) -> None:
    deadline = time.monotonic() + within
    while not await healthy(served.port):
        assert time.monotonic() < deadline, "still refused"
        await asyncio.sleep(0.1)


def test_serve_lifts_its_open_files_limit_to_the_hard_limit() -> None:
    # In a child process: the limit is the process's own, and this one must not change.
    script = (
        "import resource\n"
        "from dreamjobsearch.http_server.options import raise_open_files_limit\n"
        "soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)\n"
        "resource.setrlimit(resource.RLIMIT_NOFILE, (min(256, hard), hard))\n"
        "raise_open_files_limit(100)\n"
        "print(*resource.getrlimit(resource.RLIMIT_NOFILE))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=True
    )
    soft, hard = done.stdout.split()
    assert soft == hard
