"""Faults: the database or Redis going away mid-use gives a clear 503 (never a hang or a
500), and service resumes by itself when they return; a server killed with -9 during an
update run leaves it `interrupted`, and running it again loses and doubles nothing.

Everything runs on 127.0.0.1: a Redis server of the test's own (so that stopping it disturbs
no other test), and the machine's PostgreSQL reached through a TCP relay the test can cut.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import signal
import sqlite3
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
import pytest
from conftest import TEST_SECRET, ServerFactory, seed_data_dir
from processes import (
    FINAL,
    SLOW_RUN,
    big_feed,
    big_file_env,
    dreamjob_process,
    free_port,
    run_status,
    wait_healthy,
    wait_run_status,
)
from ranking_support import RANK, cold_start, posting, titles, user_with
from services_available import fresh_postgres_database
from sqlalchemy.engine import make_url
from support import bearer, put_file, register, user_id_of

from dreamjobsearch.storage.db import create_engine, database
from dreamjobsearch.storage.postings import PostingRepository
from dreamjobsearch.storage.users import UserRepository

REDIS_SERVER = shutil.which("redis-server")


class TcpRelay:
    """Forwards 127.0.0.1:`port` to a target; `cut` drops every connection and refuses new
    ones (the database went away), `restore` listens again on the same port."""

    def __init__(self, target_port: int) -> None:
        self.port = free_port()
        self._target_port = target_port
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()

    async def restore(self) -> None:
        """Accept and relay connections."""
        self._server = await asyncio.start_server(self._relay, "127.0.0.1", self.port)

    async def cut(self) -> None:
        """Stop listening and close every relayed connection."""
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None
        for writer in list(self._writers):
            writer.close()
        self._writers.clear()

    async def _relay(
        self, client_reader: asyncio.StreamReader, client: asyncio.StreamWriter
    ) -> None:
        try:
            upstream_reader, upstream = await asyncio.open_connection(
                "127.0.0.1", self._target_port
            )
        except OSError:
            client.close()
            return
        self._writers.update({client, upstream})

        async def pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            with contextlib.suppress(OSError, asyncio.CancelledError):
                while data := await reader.read(65536):
                    writer.write(data)
                    await writer.drain()
            writer.close()

        await asyncio.gather(pipe(client_reader, upstream), pipe(upstream_reader, client))
        self._writers.difference_update({client, upstream})


@asynccontextmanager
async def redis_server() -> AsyncIterator[tuple[int, list[int]]]:
    """A port for a Redis of the test's own, and a list for the pids of the redis-server
    processes started on it (each killed by pid at the end)."""
    if REDIS_SERVER is None:
        pytest.fail("redis-server is not installed (it comes with the Redis this suite needs)")
    port = free_port()
    pids: list[int] = []
    yield port, pids
    for pid in pids:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


async def start_redis(directory: Path, port: int) -> asyncio.subprocess.Process:
    """Start redis-server on `port` with an append-only file in `directory`; wait for it."""
    assert REDIS_SERVER is not None
    process = await asyncio.create_subprocess_exec(
        REDIS_SERVER,
        "--port", str(port), "--bind", "127.0.0.1", "--dir", str(directory),
        "--appendonly", "yes", "--save", "", "--protected-mode", "yes",
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )  # fmt: skip
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError):
            _reader, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.close()
            return process
        await asyncio.sleep(0.05)
    process.kill()
    raise AssertionError("redis-server did not start")


async def status_within(
    client: httpx.AsyncClient, token: str, wanted: int, seconds: float
) -> httpx.Response:
    """GET /auth/status until it answers `wanted` (or the time is up)."""
    deadline = time.monotonic() + seconds
    while True:
        started = time.monotonic()
        response = await client.get("/auth/status", headers=bearer(token))
        assert time.monotonic() - started < 8, "a request hung instead of failing fast"
        if response.status_code == wanted or time.monotonic() > deadline:
            return response
        await asyncio.sleep(0.2)


@pytest.mark.services
@pytest.mark.slow
async def test_redis_going_away_is_a_503_and_service_resumes_when_it_returns(
    tmp_path: Path, make_server: ServerFactory
) -> None:
    async with redis_server() as (port, pids):
        process = await start_redis(tmp_path, port)
        pids.append(process.pid)
        server = await make_server(session_store="redis", redis_url=f"redis://127.0.0.1:{port}/0")
        async with server.client() as client:
            token = await register(client, "steady@example.com")
            assert (await status_within(client, token, 200, 0)).status_code == 200

            os.kill(process.pid, signal.SIGTERM)  # a clean stop: the data is on disk
            await process.wait()
            down = await status_within(client, token, 503, 10)
            assert down.status_code == 503
            assert down.json() == {
                "detail": "the session store (Redis) is unavailable: try again shortly"
            }
            assert down.headers["retry-after"] == "5"
            health = await client.get("/healthz")
            assert health.status_code == 503

            process = await start_redis(tmp_path, port)
            pids.append(process.pid)
            back = await status_within(client, token, 200, 15)
            assert back.status_code == 200, back.text
            assert back.json()["email"] == "steady@example.com"
            assert (await client.get("/healthz")).status_code == 200


@pytest.mark.services
@pytest.mark.slow
async def test_the_database_going_away_is_a_503_and_service_resumes_when_it_returns(
    make_server: ServerFactory,
) -> None:
    with fresh_postgres_database() as url:
        target = make_url(url)
        relay = TcpRelay(target.port or 5432)
        await relay.restore()
        try:
            relayed = target.set(host="127.0.0.1", port=relay.port).render_as_string(
                hide_password=False
            )
            server = await make_server(session_store="database", database_url=relayed)
            async with server.client() as client:
                token = await register(client, "patient@example.com")
                assert (await status_within(client, token, 200, 0)).status_code == 200

                await relay.cut()
                down = await status_within(client, token, 503, 10)
                assert down.status_code == 503
                assert down.json() == {"detail": "the database is unavailable: try again shortly"}
                assert (await client.get("/healthz")).status_code == 503

                await relay.restore()
                back = await status_within(client, token, 200, 15)
                assert back.status_code == 200, back.text
                assert (await client.get("/healthz")).status_code == 200
                await server.stop()
        finally:
            await relay.cut()


async def test_a_database_error_inside_a_ranking_is_a_503(make_server: ServerFactory) -> None:
    server = await make_server()
    async with server.client() as client:
        headers = await user_with(client, [posting("Python developer", "Python")])
        await cold_start(server, await user_id_of(server, "ranker@example.com"))
        database = make_url(server.services.settings.resolved_database_url).database
        assert database is not None
        # The search index breaks; the session and the user's tracking row still read.
        with sqlite3.connect(database) as broken:
            broken.execute("ALTER TABLE posting_search RENAME TO posting_search_away")
        ranked = await client.post(RANK, json={"keywords": ["python"]}, headers=headers)
        assert ranked.status_code == 503, ranked.text
        assert ranked.json() == {"detail": "the database is unavailable: try again shortly"}
        with sqlite3.connect(database) as mended:
            mended.execute("ALTER TABLE posting_search_away RENAME TO posting_search")
        assert await titles(client, headers, ["python"]) == ["Python developer"]


@pytest.mark.slow
async def test_a_server_killed_during_a_run_leaves_it_interrupted_and_a_rerun_completes(
    tmp_path: Path, migrated_database: bytes
) -> None:
    data_dir = tmp_path / "data"
    seed_data_dir(data_dir, migrated_database)
    feed = await asyncio.to_thread(big_feed, 3_000)
    # Three runs of it end to end: one query of the slow run keeps each short.
    short_run = {**SLOW_RUN, "queries": SLOW_RUN["queries"][:1]}
    env = {
        **os.environ,
        **big_file_env(),
        "DREAMJOB_DATA_DIR": str(data_dir),
        "DREAMJOB_JWT_SECRET": TEST_SECRET,
        "DREAMJOB_SESSION_STORE": "database",  # so that the token outlives the kill
    }
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    serve = ["serve", "--port", str(port)]
    async with httpx.AsyncClient(base_url=base_url, timeout=30) as client:
        async with dreamjob_process(serve, env, tmp_path / "first.log") as pid:
            await wait_healthy(base_url, tmp_path / "first.log")
            token = await register(client, "ada@example.com")
            await put_file(client, bearer(token), "big.json", feed)
            run = (
                await client.post("/update-database", json=short_run, headers=bearer(token))
            ).json()
            await wait_run_status(client, token, run["run_id"], {"running"}, within=30)
            await asyncio.sleep(0.5)  # some postings stored, many not
            os.kill(pid, signal.SIGKILL)

        async with dreamjob_process(serve, env, tmp_path / "second.log"):
            await wait_healthy(base_url, tmp_path / "second.log")
            assert await run_status(client, token, run["run_id"]) == "interrupted"
            rerun = await client.post("/update-database", json=short_run, headers=bearer(token))
            assert rerun.status_code == 202, rerun.text
            finished = await wait_run_status(client, token, rerun.json()["run_id"], FINAL, 180)
            assert finished == "succeeded"
            other = await register(client, "grace@example.com")
            await put_file(client, bearer(other), "big.json", feed)
            whole = await client.post("/update-database", json=short_run, headers=bearer(other))
            assert await wait_run_status(client, other, whole.json()["run_id"], FINAL, 180) == (
                "succeeded"
            )

    # Nothing lost, nothing twice: exactly what an uninterrupted run stores.
    ada, ada_links = await stored_identities(data_dir, "ada@example.com")
    grace, grace_links = await stored_identities(data_dir, "grace@example.com")
    assert ada == grace
    assert ada_links == len(ada) == grace_links
    assert len(ada) > 1000, len(ada)


async def stored_identities(data_dir: Path, email: str) -> tuple[set[tuple[str, str]], int]:
    """The user's postings as `(source, external_id)`, and how many links to postings they
    have, read from the server's database file."""
    engine = create_engine(f"sqlite:///{data_dir / 'dreamjob.db'}")
    try:
        db = database(engine)
        user = await UserRepository(db).by_email(email)
        assert user is not None
        postings = PostingRepository(db)
        found = {(p.source, p.external_id) for p in await postings.for_user(user.id)}
        return found, await postings.count_for_user(user.id)
    finally:
        await engine.dispose()
