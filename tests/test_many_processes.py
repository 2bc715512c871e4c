"""The deployment for many users, for real: two `dreamjob serve` processes and one
`dreamjob worker` on PostgreSQL and Redis, all started as processes on 127.0.0.1."""

from __future__ import annotations

import asyncio
import os
import signal
from pathlib import Path

import httpx
import pytest
from conftest import TEST_SECRET, ServerFactory, SettingsFactory
from processes import (
    BIG_FILE_LIMITS,
    EXAMPLES,
    FINAL,
    SLOW_RUN,
    big_feed,
    deployment_env,
    dreamjob_process,
    free_port,
    run_status,
    wait_healthy,
    wait_run_status,
)
from services_available import REDIS_URL
from support import bearer, open_stream, put_file, register

# Real API and worker processes on the real Redis and PostgreSQL.
pytestmark = [pytest.mark.slow, pytest.mark.services]


async def test_two_api_processes_and_a_worker_share_sessions_streams_and_runs(
    tmp_path: Path, postgres_url: str, prefix: str
) -> None:
    env = deployment_env(
        tmp_path / "data", postgres_url, prefix, DREAMJOB_LOG_HEARTBEAT_INTERVAL="1"
    )
    port_a, port_b = free_port(), free_port()
    a_url, b_url = f"http://127.0.0.1:{port_a}", f"http://127.0.0.1:{port_b}"
    async with (
        dreamjob_process(["serve", "--port", str(port_a)], env, tmp_path / "a.log") as pid_a,
        dreamjob_process(["serve", "--port", str(port_b)], env, tmp_path / "b.log"),
        dreamjob_process(["worker"], env, tmp_path / "worker.log"),
    ):
        await wait_healthy(a_url, tmp_path / "a.log")
        await wait_healthy(b_url, tmp_path / "b.log")
        async with (
            httpx.AsyncClient(base_url=a_url, timeout=10) as on_a,
            httpx.AsyncClient(base_url=b_url, timeout=10) as on_b,
        ):
            # Log in on A, use the token on B.
            token = await register(on_a, "ada@example.com")
            keeper = await register(on_a, "bob@example.com")
            feed = (EXAMPLES / "postings.json").read_bytes()
            await put_file(on_a, bearer(token), "feed.json", feed)
            assert (await on_b.get("/auth/status", headers=bearer(token))).status_code == 200

            # A stream on A follows a run started on B and executed by the worker.
            async with open_stream(on_a, token=token) as stream:
                started = await on_b.post(
                    "/update-database",
                    json={
                        "queries": ["engineer"],
                        "sources": [{"type": "file", "path": "feed.json"}],
                    },
                    headers=bearer(token),
                )
                assert started.status_code == 202, started.text
                run_id = started.json()["run_id"]
                final = await stream.until(
                    lambda event: (
                        event["kind"] == "run_state"
                        and event["data"]["status"] not in ("queued", "running")
                    ),
                    within=30,
                )
                assert final["run_id"] == run_id
                assert final["data"]["status"] == "succeeded"
                assert final["data"]["new"] > 0
                worker_log = await asyncio.to_thread(
                    (tmp_path / "worker.log").read_text, errors="replace"
                )
                assert run_id in worker_log  # the worker, not an API process, ran it

                # Log out on B: the token is refused on A at once, and A's stream ends.
                assert (await on_b.post("/logout", headers=bearer(token))).status_code == 200
                assert (await on_a.get("/auth/status", headers=bearer(token))).status_code == 401
                assert await stream.ended(within=5)

            # kill -9 A: B keeps serving every session.
            os.kill(pid_a, signal.SIGKILL)
            status = await on_b.get("/auth/status", headers=bearer(keeper))
            assert status.status_code == 200
            assert status.json()["email"] == "bob@example.com"


def worker_env(data_dir: Path, prefix: str, **extra: str) -> dict[str, str]:
    """The environment of a `dreamjob worker` sharing the test server's data and queue."""
    return {
        **os.environ,
        "DREAMJOB_DATA_DIR": str(data_dir),
        "DREAMJOB_REDIS_URL": REDIS_URL,
        "DREAMJOB_REDIS_PREFIX": prefix,
        "DREAMJOB_RUNNER": "queue",
        "DREAMJOB_JWT_SECRET": TEST_SECRET,
        **extra,
    }


async def test_cancel_reaches_the_worker_and_a_stopped_worker_interrupts_its_runs(
    tmp_path: Path, prefix: str, make_server: ServerFactory, make_settings: SettingsFactory
) -> None:
    settings = make_settings(
        runner="queue", redis_url=REDIS_URL, redis_prefix=prefix, **BIG_FILE_LIMITS
    )
    server = await make_server(settings)
    # Big enough that the run is still going when the stopped worker's grace (1 s) ends.
    feed = await asyncio.to_thread(big_feed, 8_000)
    env = worker_env(settings.data_dir, prefix, DREAMJOB_WORKER_SHUTDOWN_GRACE="1")
    async with (
        server.client() as client,
        dreamjob_process(["worker"], env, tmp_path / "w.log") as pid,
    ):
        token = await register(client, "ada@example.com")
        await put_file(client, bearer(token), "big.json", feed)
        first = (await client.post("/update-database", json=SLOW_RUN, headers=bearer(token))).json()
        await wait_run_status(client, token, first["run_id"], {"running"}, within=30)
        cancelled = await client.post(f"/runs/{first['run_id']}/cancel", headers=bearer(token))
        assert cancelled.status_code == 200
        assert await wait_run_status(client, token, first["run_id"], FINAL, within=5) == "cancelled"

        second = (
            await client.post("/update-database", json=SLOW_RUN, headers=bearer(token))
        ).json()
        await wait_run_status(client, token, second["run_id"], {"running"}, within=30)
        os.kill(pid, signal.SIGTERM)
        status = await wait_run_status(client, token, second["run_id"], FINAL, within=20)
        assert status == "interrupted"


async def test_runs_of_a_killed_worker_are_interrupted_and_run_again_completely(
    tmp_path: Path, prefix: str, make_server: ServerFactory, make_settings: SettingsFactory
) -> None:
    settings = make_settings(
        runner="queue", redis_url=REDIS_URL, redis_prefix=prefix, run_heartbeat=1, **BIG_FILE_LIMITS
    )
    server = await make_server(settings)
    feed = await asyncio.to_thread(big_feed, 3_000)
    # Three runs of it end to end: one query of the slow run keeps each short.
    short_run = {**SLOW_RUN, "queries": SLOW_RUN["queries"][:1]}
    env = worker_env(settings.data_dir, prefix, DREAMJOB_RUN_HEARTBEAT="1")
    async with server.client() as client:
        token = await register(client, "ada@example.com")
        await put_file(client, bearer(token), "big.json", feed)
        async with dreamjob_process(["worker"], env, tmp_path / "killed.log") as pid:
            run = (
                await client.post("/update-database", json=short_run, headers=bearer(token))
            ).json()
            await wait_run_status(client, token, run["run_id"], {"running"}, within=30)
            os.kill(pid, signal.SIGKILL)  # records nothing: no worker says the run ended
        # The worker is gone (the block waited for its exit), and nothing said the run ended.
        assert await run_status(client, token, run["run_id"]) == "running"

        async with dreamjob_process(["worker"], env, tmp_path / "next.log"):
            # The next worker finds the run's job silent for 3 heartbeats.
            status = await wait_run_status(client, token, run["run_id"], FINAL, within=20)
            assert status == "interrupted"
            body = (await client.get(f"/runs/{run['run_id']}", headers=bearer(token))).json()
            assert "worker stopped" in body["message"]

            again = await client.post("/update-database", json=short_run, headers=bearer(token))
            assert again.status_code == 202, again.text
            assert await wait_run_status(client, token, again.json()["run_id"], FINAL, 120) == (
                "succeeded"
            )
            # Someone whose run was never cut off, for comparison.
            other = await register(client, "grace@example.com")
            await put_file(client, bearer(other), "big.json", feed)
            whole = await client.post("/update-database", json=short_run, headers=bearer(other))
            assert await wait_run_status(client, other, whole.json()["run_id"], FINAL, 120) == (
                "succeeded"
            )

        # Nothing lost, nothing twice: the same postings as an uninterrupted run.
        postings = server.services.postings
        ada, grace = [
            await server.services.users.by_email(email)
            for email in ("ada@example.com", "grace@example.com")
        ]
        assert ada is not None
        assert grace is not None
        ada_links = {(p.source, p.external_id) for p in await postings.for_user(ada.id)}
        grace_links = {(p.source, p.external_id) for p in await postings.for_user(grace.id)}
        assert len(ada_links) == await postings.count_for_user(ada.id)
        assert ada_links == grace_links
        assert len(ada_links) > 1000, len(ada_links)


async def test_a_run_cancelled_while_it_waits_for_a_worker_is_cancelled(
    prefix: str, make_server: ServerFactory, make_settings: SettingsFactory
) -> None:
    server = await make_server(
        make_settings(runner="queue", redis_url=REDIS_URL, redis_prefix=prefix)
    )
    async with server.client() as client:
        token = await register(client, "patient@example.com")
        started = await client.post(
            "/update-database",
            json={"queries": ["engineer"], "locations": [""]},
            headers=bearer(token),
        )
        assert started.status_code == 202, started.text
        run_id = started.json()["run_id"]
        assert await run_status(client, token, run_id) == "queued"  # no worker is running

        cancelled = await client.post(f"/runs/{run_id}/cancel", headers=bearer(token))
        assert cancelled.status_code == 200
        assert cancelled.json()["status"] == "cancelled"
        assert await run_status(client, token, run_id) == "cancelled"
        again = await client.post(f"/runs/{run_id}/cancel", headers=bearer(token))
        assert again.status_code == 409
