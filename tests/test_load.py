"""A bounded load test in CI: `benchmarks/load.py` at a small scale against a live server
(users logging in and ranking at once, then a login flood). No errors; the number of
sessions stays at the cap and memory does not grow with the flood. The full run (1,000 users
for 60 s) is the benchmark's default: `uv run python benchmarks/load.py`."""

from __future__ import annotations

import pytest
from processes import benchmark

# A load of many users at once against a real server process.
pytestmark = pytest.mark.slow

MIB = 1024 * 1024
# The cheapest password hashing the settings accept: at the default cost the two hundred
# logins were most of this test's CPU, and hashing is not what it checks.
CHEAP_HASHING = {"DREAMJOB_ARGON2_MEMORY_KIB": "7168", "DREAMJOB_ARGON2_TIME_COST": "1"}


async def test_many_users_at_once_get_no_errors_and_a_login_flood_keeps_memory_flat() -> None:
    report = await benchmark("load").run_load(
        users=30, duration=6, flood=160, session_cap=40, server_settings=CHEAP_HASHING
    )
    tally = report.tally
    assert tally.error_count == 0, dict(tally.errors)
    # Real work was done. How much depends on the machine's speed, which the benchmark
    # measures and a test does not judge: at the session cap logins are refused (503), so
    # on a busy machine some users may not get in within the 6 s (29 rankings were seen).
    assert len(tally.latencies["POST /job-postings"]) >= 15
    assert len(tally.latencies["POST /login"]) >= 30
    # At the cap, logins ended their user's own oldest session or were refused (503).
    assert report.sessions_after_flood == report.session_cap
    # 160 more logins (4 times the cap) cost no memory to speak of.
    assert report.rss_after_flood - report.rss_after_load < 16 * MIB
