"""Flood test: one account floods a live `dreamjob serve` while another user carries on.

1. Starts `dreamjob serve` on 127.0.0.1 (a temporary DATA_DIR, SQLite) with
   `MAX_CONNECTIONS=--max-connections`, registers a user and an attacker, and measures the
   server's resident memory (VmRSS) and open descriptors, and the user's `/healthz` time.
2. The attacker, holding everything open: asks for `--streams` live-log streams (`GET /logs`,
   from all its sessions), sends `--header-lines` never-ending header lines of up to
   `--header-mib` MiB each, then opens `--idle` TCP connections that never send a byte.
   Meanwhile the user checks `/healthz`, logs in and opens a stream of their own.
3. The attacker lets go; memory and descriptors are measured again.

It prints how many streams were refused (429), how many idle connections were still open
at the peak (at most the cap), how much of each header line the server took before it hung
up, the user's successes and latencies during the flood, and memory and descriptors before,
at the peak and after; the last line is the same as JSON. Only 127.0.0.1 is contacted; the
server is stopped by its pid and its DATA_DIR removed.
Run: `uv run python benchmarks/flood.py [--streams 2000] [--idle 5000] [--header-lines 4]
[--header-mib 100] [--max-connections 1000]`
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import json
import os
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from served import rss, serve

PASSWORD = "flood test passphrase"
VICTIM = "victim@flood.example.com"
ATTACKER = "attacker@flood.example.com"
ATTACKER_SESSIONS = 5  # SESSION_MAX_PER_USER's default
VICTIM_CHECKS = 20
MIB = 1024 * 1024
SETTLE = 10  # seconds the server gets to work through the connections queued for it


@dataclass
class Report:
    """What one flood run measured (bytes, seconds and counts)."""

    max_connections: int
    streams_asked: int
    streams_open: int = 0
    streams_refused: int = 0
    streams_failed: int = 0
    idle_asked: int = 0
    idle_open_at_peak: int = 0
    header_bytes_taken: list[int] = field(default_factory=list)
    victim_checks_ok: int = 0
    victim_checks: int = 0
    victim_latency_p50: float = 0.0
    victim_latency_max: float = 0.0
    victim_login_ok: bool = False
    victim_stream_ok: bool = False
    rss_before: int = 0
    rss_peak: int = 0
    rss_after: int = 0
    fds_before: int = 0
    fds_peak: int = 0
    fds_after: int = 0


def _fds(pid: int) -> int:
    return len(os.listdir(f"/proc/{pid}/fd"))


def _settings(max_connections: int) -> dict[str, str]:
    """The server's settings for this run."""
    return {
        "DREAMJOB_LOG_LEVEL": "ERROR",
        "DREAMJOB_MAX_CONNECTIONS": str(max_connections),
    }


Held = list[asyncio.StreamWriter]


async def _stream(port: int, token: str, held: Held) -> int:
    """Ask for a log stream on a raw connection; its status (0: no answer). Kept if 200."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(
        b"GET /logs HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer "
        + token.encode()
        + b"\r\n\r\n"
    )
    try:
        line = await asyncio.wait_for(reader.readline(), 30)
    except (TimeoutError, ConnectionError):
        line = b""
    status = int(line.split()[1]) if line.startswith(b"HTTP/1.1 ") else 0
    if status == 200:
        held.append(writer)
    else:
        writer.close()
    return status


async def _idle(port: int, held: Held, readers: list[asyncio.StreamReader]) -> None:
    """A connection that never sends a byte, held open."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    held.append(writer)
    readers.append(reader)


async def _endless_header(port: int, limit: int) -> int:
    """Send one header line without end (up to `limit` bytes); bytes sent before the close."""
    _reader, writer = await asyncio.open_connection("127.0.0.1", port)
    sent = 0
    chunk = b"a" * 65536
    try:
        writer.write(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Endless: ")
        while sent < limit:
            writer.write(chunk)
            await asyncio.wait_for(writer.drain(), 15)
            sent += len(chunk)
    except (ConnectionError, TimeoutError):
        pass
    finally:
        writer.close()
    return sent


async def _gather_bounded(limit: int, jobs: list[Callable[[], Awaitable[object]]]) -> list[object]:
    semaphore = asyncio.Semaphore(limit)

    async def run(job: Callable[[], Awaitable[object]]) -> object:
        async with semaphore:
            return await job()

    return list(await asyncio.gather(*(run(job) for job in jobs), return_exceptions=True))


async def _victim(base_url: str, report: Report, flooding: asyncio.Event) -> None:
    """The other user: health checks, a login and a stream of their own, during the flood."""
    latencies: list[float] = []
    async with httpx.AsyncClient(base_url=base_url, timeout=30) as client:
        await flooding.wait()
        for _ in range(VICTIM_CHECKS):
            started = time.monotonic()
            with contextlib.suppress(httpx.TransportError):
                if (await client.get("/healthz")).status_code == 200:
                    report.victim_checks_ok += 1
                    latencies.append(time.monotonic() - started)
            report.victim_checks += 1
            await asyncio.sleep(0.05)
        with contextlib.suppress(httpx.TransportError):
            login = await client.post("/login", json={"email": VICTIM, "password": PASSWORD})
            report.victim_login_ok = login.status_code == 200
            if report.victim_login_ok:
                token = login.json()["access_token"]
                headers = {"Authorization": f"Bearer {token}"}
                async with client.stream("GET", "/logs", headers=headers) as stream:
                    report.victim_stream_ok = stream.status_code == 200
    if latencies:
        report.victim_latency_p50 = statistics.median(latencies)
        report.victim_latency_max = max(latencies)


async def run_flood(
    streams: int = 2000,
    idle: int = 5000,
    header_lines: int = 4,
    header_mib: int = 100,
    max_connections: int = 1000,
) -> Report:
    """Start a server, flood it as above, and return what was measured."""
    report = Report(max_connections=max_connections, streams_asked=streams, idle_asked=idle)
    with tempfile.TemporaryDirectory(prefix="dreamjob-flood-") as directory:
        async with serve(Path(directory), _settings(max_connections)) as served:
            port, pid, base_url = served.port, served.pid, served.base_url
            async with httpx.AsyncClient(base_url=base_url, timeout=30) as client:
                account = {"password": PASSWORD}
                for email in (VICTIM, ATTACKER):
                    response = await client.post("/register", json={**account, "email": email})
                    response.raise_for_status()
                tokens = []
                for _ in range(ATTACKER_SESSIONS):
                    response = await client.post("/login", json={**account, "email": ATTACKER})
                    response.raise_for_status()
                    tokens.append(response.json()["access_token"])
            report.rss_before, report.fds_before = rss(pid), _fds(pid)

            held: Held = []
            readers: list[asyncio.StreamReader] = []
            flooding = asyncio.Event()
            victim = asyncio.create_task(_victim(base_url, report, flooding))
            try:
                statuses = await _gather_bounded(
                    200,
                    [
                        lambda i=i: _stream(port, tokens[i % len(tokens)], held)
                        for i in range(streams)
                    ],
                )
                report.streams_open = statuses.count(200)
                report.streams_refused = statuses.count(429)
                report.streams_failed = streams - report.streams_open - report.streams_refused
                flooding.set()
                report.header_bytes_taken = list(
                    await asyncio.gather(
                        *(_endless_header(port, header_mib * MIB) for _ in range(header_lines))
                    )
                )
                await _gather_bounded(200, [lambda: _idle(port, held, readers)] * idle)
                # Connections the kernel has queued are open to the client until the server
                # accepts them (and closes the longest idle): give it a few seconds.
                settle = time.monotonic() + SETTLE
                while True:
                    await asyncio.sleep(0.25)
                    report.idle_open_at_peak = sum(not reader.at_eof() for reader in readers)
                    if report.idle_open_at_peak <= max_connections or time.monotonic() > settle:
                        break
                report.rss_peak, report.fds_peak = rss(pid), _fds(pid)
                await victim
                report.rss_peak = max(report.rss_peak, rss(pid))
            finally:
                victim.cancel()
                for writer in held:
                    writer.close()
            await asyncio.sleep(2)  # the server notices the closes
            report.rss_after, report.fds_after = rss(pid), _fds(pid)
    return report


def _print(report: Report) -> None:
    mib = MIB
    print(
        f"streams: {report.streams_asked} asked, {report.streams_open} open, "
        f"{report.streams_refused} refused (429), {report.streams_failed} other"
    )
    print(
        f"idle connections: {report.idle_asked} opened, {report.idle_open_at_peak} still open "
        f"once the server had accepted them all (MAX_CONNECTIONS {report.max_connections})"
    )
    taken = ", ".join(f"{size / mib:.1f}" for size in report.header_bytes_taken)
    print(f"never-ending header lines: MiB sent before the server hung up: {taken}")
    print(
        f"other user during the flood: /healthz {report.victim_checks_ok}/{report.victim_checks}"
        f" (p50 {report.victim_latency_p50 * 1000:.0f} ms, max "
        f"{report.victim_latency_max * 1000:.0f} ms), login "
        f"{'ok' if report.victim_login_ok else 'FAILED'}, stream "
        f"{'ok' if report.victim_stream_ok else 'FAILED'}"
    )
    print(
        f"server RSS: {report.rss_before / mib:.0f} MiB before, {report.rss_peak / mib:.0f} at "
        f"the peak, {report.rss_after / mib:.0f} after; descriptors {report.fds_before}, "
        f"{report.fds_peak}, {report.fds_after}"
    )
    print(json.dumps(dataclasses.asdict(report)))


def main() -> None:
    """Parse the options, run the flood, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--streams", type=int, default=2000)
    parser.add_argument("--idle", type=int, default=5000)
    parser.add_argument("--header-lines", type=int, default=4)
    parser.add_argument("--header-mib", type=int, default=100)
    parser.add_argument("--max-connections", type=int, default=1000)
    options = parser.parse_args()
    report = asyncio.run(
        run_flood(
            options.streams,
            options.idle,
            options.header_lines,
            options.header_mib,
            options.max_connections,
        )
    )
    _print(report)


if __name__ == "__main__":
    main()
