"""A bounded flood in CI: `benchmarks/flood.py` at a small scale against a live server.

One account asks for 40 log streams, sends two never-ending header lines and opens 300 idle
connections against a cap of 100; another user's health checks, login and stream all
succeed, and the server's memory and descriptors stay bounded. The full run (2,000 streams,
5,000 connections, 100 MiB header lines) is the benchmark's default:
`uv run python benchmarks/flood.py`.
"""

from __future__ import annotations

import pytest
from processes import benchmark

# A flood of requests that must be absorbed.
pytestmark = pytest.mark.slow

MIB = 1024 * 1024


async def test_a_flood_from_one_account_leaves_another_user_served() -> None:
    report = await benchmark("flood").run_flood(
        streams=40, idle=300, header_lines=2, header_mib=20, max_connections=100
    )
    # The stream cap held: 10 per user (LOG_MAX_STREAMS_PER_USER), every other one 429.
    assert report.streams_open == 10
    assert report.streams_refused == 30
    # The connection cap held, and header lines were cut off long before 20 MiB.
    assert report.idle_open_at_peak <= report.max_connections
    assert all(taken < 8 * MIB for taken in report.header_bytes_taken)
    # The other user was served throughout.
    assert report.victim_checks_ok == report.victim_checks
    assert report.victim_login_ok
    assert report.victim_stream_ok
    # Memory and descriptors stayed bounded, and the descriptors came back.
    assert report.rss_peak - report.rss_before < 64 * MIB
    assert report.fds_peak < report.max_connections + 50
    assert report.fds_after < report.fds_before + 10
