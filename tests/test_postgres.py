"""Everything works on PostgreSQL too: migrations, accounts, import, ranking, runs."""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path

import psycopg
import pytest
from conftest import ServerFactory
from sqlalchemy.engine import make_url
from support import bearer, put_file, register

# Needs the real Redis or PostgreSQL (tests/services_available.py).
pytestmark = pytest.mark.services

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


async def test_journey_on_postgresql(make_server: ServerFactory, postgres_url: str) -> None:
    server = await make_server(database_url=postgres_url)
    async with server.client() as client:
        alice = bearer(await register(client, "alice@example.com"))
        bob = bearer(await register(client, "bob@example.com"))
        sample = json.loads((EXAMPLES / "postings.json").read_text(encoding="utf-8"))

        imported = await client.post("/job-postings/import", json=sample, headers=alice)
        assert imported.json() == {"imported": 320, "duplicates": 0, "rejected": []}
        again = await client.post("/job-postings/import", json=sample, headers=alice)
        assert again.json()["duplicates"] == 320

        ranked = await client.post(
            "/job-postings", json={"keywords": ["Kubernetes", "Go"]}, headers=alice
        )
        assert ranked.json()["total"] > 0
        nothing = await client.post("/job-postings", json={"keywords": ["Go"]}, headers=bob)
        assert nothing.json() == {"total": 0, "job_postings": []}

        await put_file(client, bob, "feed.json", json.dumps(sample).encode())
        started = await client.post(
            "/update-database",
            json={"queries": ["engineer"], "sources": [{"type": "file", "path": "feed.json"}]},
            headers=bob,
        )
        run_id = started.json()["run_id"]
        deadline = time.monotonic() + 15
        while True:
            run = (await client.get(f"/runs/{run_id}", headers=bob)).json()
            if run["status"] not in ("queued", "running") or time.monotonic() > deadline:
                break
            await asyncio.sleep(0.05)
        assert run["status"] == "succeeded"
        assert run["counts"]["new"] == run["counts"]["fetched"] > 0
        assert (await client.get("/healthz")).json()["database"] == "ok"


def _end_backends(database_url: str) -> int:
    """End every server process serving the app's database (as a restart or an admin's
    `pg_terminate_backend` would), and wait until they are gone; returns how many."""
    url = make_url(database_url)
    admin = url.set(drivername="postgresql", database="postgres")
    with psycopg.connect(admin.render_as_string(hide_password=False), autocommit=True) as conn:
        ended = conn.execute(
            "SELECT count(*) FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = %s AND pid <> pg_backend_pid()) AS ended",
            (url.database,),
        ).fetchone()
        deadline = time.monotonic() + 10
        while conn.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = %s", (url.database,)
        ).fetchone() != (0,):
            assert time.monotonic() < deadline, "the backends did not end"
            time.sleep(0.01)
    assert ended is not None
    return int(ended[0])


async def test_requests_survive_the_server_ending_pooled_connections(
    make_server: ServerFactory, postgres_url: str
) -> None:
    """Pooled connections are not pinged before use: one the server ended while it sat in
    the pool must still not fail the next requests (it is found closed and replaced)."""
    server = await make_server(database_url=postgres_url, session_store="database")
    async with server.client() as client:
        alice = bearer(await register(client, "alice@example.com"))
        for _ in range(3):
            assert (await client.get("/me/keywords", headers=alice)).status_code == 200
        assert _end_backends(postgres_url) >= 1
        for _ in range(3):  # the session read, the keywords read, the admin flag
            assert (await client.get("/auth/status", headers=alice)).status_code == 200
            assert (await client.get("/me/keywords", headers=alice)).status_code == 200
        assert (await client.get("/healthz")).json()["database"] == "ok"
