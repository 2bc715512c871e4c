"""A due saved search runs once in the deployment for many users: two `dreamjob serve`
processes, both scheduling, and a `dreamjob worker` executing the runs from the job queue,
on PostgreSQL and Redis, all started as processes on 127.0.0.1."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest
from processes import EXAMPLES, FINAL, deployment_env, dreamjob_process, free_port, wait_healthy
from support import bearer, put_file, register

pytestmark = [pytest.mark.slow, pytest.mark.services]

DUE_ROUNDS = 4


async def runs_of(client: httpx.AsyncClient, token: str) -> list[dict[str, Any]]:
    """The user's runs, newest first."""
    response = await client.get("/runs", headers=bearer(token))
    assert response.status_code == 200, response.text
    runs: list[dict[str, Any]] = response.json()
    return runs


async def settled_runs(client: httpx.AsyncClient, token: str, count: int) -> list[dict[str, Any]]:
    """Wait (30 s at most) until the user has `count` runs, all finished."""
    deadline = time.monotonic() + 30
    while True:
        runs = await runs_of(client, token)
        if len(runs) >= count and all(run["status"] in FINAL for run in runs):
            return runs
        assert time.monotonic() < deadline, f"runs: {[run['status'] for run in runs]}"
        await asyncio.sleep(0.1)


async def test_two_api_processes_and_a_worker_run_each_due_search_once(
    tmp_path: Path, postgres_url: str, prefix: str
) -> None:
    # Both API processes look for due searches ten times a second.
    env = deployment_env(
        tmp_path / "data", postgres_url, prefix, DREAMJOB_SCHEDULER_INTERVAL_SECONDS="0.1"
    )
    port_a, port_b = free_port(), free_port()
    a_url, b_url = f"http://127.0.0.1:{port_a}", f"http://127.0.0.1:{port_b}"
    async with (
        dreamjob_process(["serve", "--port", str(port_a)], env, tmp_path / "a.log"),
        dreamjob_process(["serve", "--port", str(port_b)], env, tmp_path / "b.log"),
        dreamjob_process(["worker"], env, tmp_path / "worker.log"),
    ):
        await wait_healthy(a_url, tmp_path / "a.log")
        await wait_healthy(b_url, tmp_path / "b.log")
        async with (
            httpx.AsyncClient(base_url=a_url, timeout=10) as on_a,
            await psycopg.AsyncConnection.connect(
                postgres_url.replace("+psycopg", ""), autocommit=True
            ) as database,
        ):
            token = await register(on_a, "ada@example.com")
            feed = (EXAMPLES / "postings.json").read_bytes()
            await put_file(on_a, bearer(token), "feed.json", feed)
            saved = await on_a.post(
                "/saved-searches",
                json={
                    "name": "Engineers",
                    "queries": ["engineer"],
                    "sources": [{"type": "file", "path": "feed.json"}],
                    "every_hours": 1,
                },
                headers=bearer(token),
            )
            assert saved.status_code == 201, saved.text
            search_id = saved.json()["id"]
            await settled_runs(on_a, token, 1)

            for round_ in range(2, DUE_ROUNDS + 2):
                # An hour passes, as far as this search can tell: it is due now.
                await database.execute(
                    "UPDATE saved_searches SET next_run_at = now() - interval '1 second'"
                    " WHERE id = %s",
                    (search_id,),
                )
                runs = await settled_runs(on_a, token, round_)
                # Both processes looked many times while it was due; one run started.
                await asyncio.sleep(0.5)
                assert len(await runs_of(on_a, token)) == round_
                assert runs[0]["saved_search_id"] == search_id
                assert runs[0]["status"] == "succeeded"

            worker_log = await asyncio.to_thread(
                (tmp_path / "worker.log").read_text, errors="replace"
            )
            ran = await runs_of(on_a, token)
            assert all(run["run_id"] in worker_log for run in ran)  # through the queue
