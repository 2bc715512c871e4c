"""Update-pipeline benchmarks, each against a baseline measured in the same run.

1. Parse throughput: LinkedIn search pages and job pages per second (against selectolax
   merely parsing the same HTML), and Greenhouse board postings per second through the
   source's public API (against downloading and decoding the same board JSON).
2. Ingest: storing generated postings for one user in batches as the pipeline does (all
   new), then the same postings for a second user (dedupe: no new posting rows).
3. CPU share of one update run against a fake LinkedIn with no rate limit: this process's
   CPU time over the run's wall time, against plain GETs of the same pages with a bare
   httpx client at the same concurrency. A share near 100% means our code bounds a run; a
   share near the baseline's means the network does.

The fake boards run in a separate process (this script with `--serve-fd`) on 127.0.0.1.
Their search pages keep the fixture's card without a job id, so a run counts one error (a
skipped card) per page. With the default 50,000 postings the ingest dominates the run time.

Run: `uv run python benchmarks/pipeline.py [--postings N] [--linkedin-postings N]
[--board-jobs N] [--seconds S]`
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import re
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import httpx
from bench_support import generated_rows

if TYPE_CHECKING:
    from starlette.applications import Starlette

    from dreamjobsearch.config import Settings
    from dreamjobsearch.domain.postings import JobPosting
    from dreamjobsearch.events.base import Subscription
    from dreamjobsearch.services import Services
    from dreamjobsearch.storage.postings import PostingRepository

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures"
SEARCH_FIXTURE = FIXTURES / "linkedin" / "search_page_1.html"
POSTING_FIXTURE = FIXTURES / "linkedin" / "posting_full.html"
POSTING_FIXTURE_ID = "4012345678"
BOARD_FIXTURE = FIXTURES / "greenhouse" / "board_acme.json"
BOARD_INFO_FIXTURE = FIXTURES / "greenhouse" / "board_acme_meta.json"
BOARD = "bench"
FIRST_JOB_ID = 5_000_000_000
JOB_ID = re.compile(r"\b40\d{8}\b")
SEARCH_PATH = "/jobs-guest/jobs/api/seeMoreJobPostings/search"
REQUESTS_PATH = "/_requests"
EMPTY_AFTER = 1000  # the fake search answers an empty page from this offset on, as LinkedIn
SECRET = "benchmark-secret-" + "x" * 40


# --- the fake boards (the server process) ----------------------------------------------------


def fake_boards_app(board_jobs: int) -> Starlette:
    """LinkedIn's guest search and job pages, and one Greenhouse board, from the fixtures.

    Search page `start` is the fixture page with its job ids replaced by ids unique to the
    offset; a job page is the full fixture page for the asked id. `GET /_requests` answers
    the LinkedIn paths asked since the previous call (so a baseline can replay them).
    """
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import HTMLResponse, JSONResponse, Response
    from starlette.routing import Route

    search_page = SEARCH_FIXTURE.read_text(encoding="utf-8")
    fixture_ids = list(dict.fromkeys(JOB_ID.findall(search_page)))
    posting_page = POSTING_FIXTURE.read_text(encoding="utf-8")
    board = json.dumps(big_board(board_jobs)).encode()
    board_info = BOARD_INFO_FIXTURE.read_bytes()
    asked: list[str] = []

    def note(request: Request) -> None:
        query = request.url.query
        asked.append(request.url.path + (f"?{query}" if query else ""))

    async def search(request: Request) -> Response:
        note(request)
        start = int(request.query_params.get("start", "0"))
        if start >= EMPTY_AFTER:
            return HTMLResponse("")
        ids = {old: str(FIRST_JOB_ID + start + n) for n, old in enumerate(fixture_ids)}
        return HTMLResponse(JOB_ID.sub(lambda match: ids[match.group()], search_page))

    async def posting(request: Request) -> Response:
        note(request)
        return HTMLResponse(posting_page.replace(POSTING_FIXTURE_ID, request.path_params["id"]))

    async def requests(_request: Request) -> Response:
        served = list(asked)
        asked.clear()
        return JSONResponse(served)

    async def board_jobs(_request: Request) -> Response:
        return Response(board, media_type="application/json")

    async def board_about(_request: Request) -> Response:
        return Response(board_info, media_type="application/json")

    return Starlette(
        routes=[
            Route(SEARCH_PATH, search),
            Route("/jobs/view/{id}/", posting),
            Route(REQUESTS_PATH, requests),
            Route(f"/v1/boards/{BOARD}/jobs", board_jobs),
            Route(f"/v1/boards/{BOARD}", board_about),
        ]
    )


def big_board(jobs: int) -> dict[str, Any]:
    """A Greenhouse board of `jobs` jobs: the fixture's jobs over and over, each id its own."""
    fixture_jobs = json.loads(BOARD_FIXTURE.read_text(encoding="utf-8"))["jobs"]
    board = []
    for number in range(jobs):
        job = dict(fixture_jobs[number % len(fixture_jobs)])
        job["id"] = FIRST_JOB_ID + number
        job["absolute_url"] = f"https://boards.greenhouse.io/{BOARD}/jobs/{job['id']}"
        board.append(job)
    return {"jobs": board, "meta": {"total": jobs}}


def serve(fd: int, board_jobs: int) -> None:
    """Serve the fake boards on the listening socket `fd` until terminated."""
    import uvicorn

    config = uvicorn.Config(
        fake_boards_app(board_jobs), log_level="warning", access_log=False, lifespan="off"
    )
    uvicorn.Server(config).run(sockets=[socket.socket(fileno=fd)])


@contextlib.contextmanager
def fake_boards(board_jobs: int) -> Iterator[str]:
    """Run the fake boards in a child process on 127.0.0.1; yields their base URL.

    This process binds the socket and hands it to the child, so the port is known at once
    and requests wait in the backlog until the child serves them.
    """
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(128)
    port = listener.getsockname()[1]
    command = [sys.executable, __file__, "--serve-fd", str(listener.fileno())]
    server = subprocess.Popen(  # noqa: S603 -- this script, with our own arguments
        [*command, "--board-jobs", str(board_jobs)], pass_fds=[listener.fileno()]
    )
    listener.close()
    base_url = f"http://127.0.0.1:{port}"
    try:
        httpx.get(base_url + REQUESTS_PATH, timeout=30).raise_for_status()
        yield base_url
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


# --- 1. parse throughput ---------------------------------------------------------------------


def per_second(work: Callable[[], object], seconds: float) -> float:
    """How many times per second `work` runs, over at least `seconds` (after a warm-up)."""
    work()
    done = 0
    started = time.perf_counter()
    while (elapsed := time.perf_counter() - started) < seconds:
        work()
        done += 1
    return done / elapsed


async def per_second_async(work: Callable[[], Any], seconds: float) -> float:
    """`per_second` for a coroutine function."""
    await work()
    done = 0
    started = time.perf_counter()
    while (elapsed := time.perf_counter() - started) < seconds:
        await work()
        done += 1
    return done / elapsed


def linkedin_parse(seconds: float) -> None:
    """Print LinkedIn search and job pages parsed per second, against a bare selectolax parse."""
    from selectolax.lexbor import LexborHTMLParser

    from dreamjobsearch.domain.postings import JobLink
    from dreamjobsearch.sources.linkedin import parse_posting_page, parse_search_page

    search_page = SEARCH_FIXTURE.read_text(encoding="utf-8")
    posting_page = POSTING_FIXTURE.read_text(encoding="utf-8")
    base = "https://www.linkedin.com"
    link = JobLink("linkedin", POSTING_FIXTURE_ID, f"{base}/jobs/view/{POSTING_FIXTURE_ID}/")
    rows: tuple[tuple[str, str, Callable[[], object]], ...] = (
        ("search pages", search_page, lambda: parse_search_page(search_page, base)),
        ("job pages", posting_page, lambda: parse_posting_page(posting_page, link)),
    )
    for name, page, parse in rows:
        ours = per_second(parse, seconds)
        bare = per_second(lambda page=page: LexborHTMLParser(page), seconds)
        print(
            f"linkedin {name:<12}: {ours:8.0f} pages/s"
            f" (bare selectolax parse {bare:6.0f}/s, ratio {ours / bare:5.2f})"
        )


async def greenhouse_parse(base_url: str, board_jobs: int, seconds: float) -> None:
    """Print board postings per second through `GreenhouseSource`, against GET + JSON decode."""
    from dreamjobsearch.services import build_http
    from dreamjobsearch.sources.greenhouse import GreenhouseSource

    with tempfile.TemporaryDirectory() as data_dir:  # build_http only reads the URLs
        http = build_http(settings(Path(data_dir), base_url, greenhouse_base_url=base_url))
    found: list[JobPosting] = []

    async def through_source() -> None:
        source = GreenhouseSource(http.for_run(), base_url, BOARD)
        found[:] = [posting async for posting in source.search("", "", None, board_jobs)]

    async def bare_download() -> None:
        for path in (f"/v1/boards/{BOARD}/jobs?content=true", f"/v1/boards/{BOARD}"):
            (await bare.get(base_url + path)).json()

    async with httpx.AsyncClient() as bare:
        try:
            boards = await per_second_async(through_source, seconds)
            downloads = await per_second_async(bare_download, seconds)
        finally:
            await http.aclose()
    print(
        f"greenhouse board    : {boards * len(found):8.0f} postings/s ({len(found):,} of"
        f" {board_jobs:,} jobs usable; bare GET + JSON decode {downloads * board_jobs:6.0f}"
        f" jobs/s, ratio {boards / downloads:5.2f})"
    )


# --- 2. ingest -------------------------------------------------------------------------------


def generated_postings(count: int) -> list[JobPosting]:
    """`count` postings from examples/generate_postings.py, as the import turns rows into them."""
    from dreamjobsearch.sources.files import parse_rows

    parsed = parse_rows(generated_rows(count, seed=7))
    assert not parsed.rejected, parsed.rejected[:3]
    return parsed.postings


async def store_all(
    postings: PostingRepository, user_id: int, items: Sequence[JobPosting]
) -> tuple[float, int]:
    """Store `items` for the user in the pipeline's batches; seconds taken, postings new to them."""
    from dreamjobsearch.pipeline import BATCH_SIZE

    new = 0
    started = time.perf_counter()
    for start in range(0, len(items), BATCH_SIZE):
        # Shared, as a run stores what it fetched from a board (imports stay private).
        batch = items[start : start + BATCH_SIZE]
        result = await postings.store_for_user(user_id, batch, shared=True)
        new += result.new
    return time.perf_counter() - started, new


async def posting_rows(services: Services) -> int:
    """How many postings the database holds (whoever found them)."""
    from sqlalchemy import func, select

    from dreamjobsearch.storage.models import Posting

    async with services.engine.connect() as connection:
        result = await connection.execute(select(func.count()).select_from(Posting))
        return int(result.scalar_one())


async def ingest(count: int) -> None:
    """Print the time to store `count` postings for one user, then for a second (dedupe)."""
    from dreamjobsearch.services import build_services

    items = generated_postings(count)
    with tempfile.TemporaryDirectory() as data_dir:
        services = await build_services(settings(Path(data_dir), "http://127.0.0.1:9"))
        try:
            first = await services.users.create("first@example.com", "not-a-login")
            second = await services.users.create("second@example.com", "not-a-login")
            new_seconds, new = await store_all(services.postings, first.id, items)
            rows_new = await posting_rows(services)
            again_seconds, linked = await store_all(services.postings, second.id, items)
            rows_added = await posting_rows(services) - rows_new
        finally:
            await services.aclose()
    print(
        f"ingest, all new     : {new_seconds:8.1f} s, {count / new_seconds:6.0f} postings/s"
        f" ({count:,} postings, {new:,} new to user 1, {rows_new:,} posting rows)"
    )
    print(
        f"ingest, dedupe      : {again_seconds:8.1f} s, {count / again_seconds:6.0f} postings/s"
        f" ({linked:,} linked to user 2, {rows_added:,} posting rows added)"
    )
    print(f"ratio dedupe/new    : {new_seconds / again_seconds:8.2f} (speed)")


# --- 3. CPU share of an update run -----------------------------------------------------------


class CpuWatch:
    """This process's CPU time (every thread's) over the wall time since it was made."""

    def __init__(self) -> None:
        self._cpu, self._wall = time.process_time(), time.perf_counter()

    def stop(self) -> tuple[float, float]:
        """Wall seconds so far, and the CPU share of them (1.0 = one core busy)."""
        wall = time.perf_counter() - self._wall
        return wall, (time.process_time() - self._cpu) / wall


async def run_update(services: Services, postings: int) -> tuple[dict[str, int], float, float]:
    """One LinkedIn update run to its end; its counts, wall seconds and CPU share."""
    from dreamjobsearch.params.update import UpdateParams
    from dreamjobsearch.sources.linkedin import LinkedInSourceSpec

    await services.auth.register("bench@example.com", "benchmark-pass", "bench")
    user = await services.users.by_email("bench@example.com")
    assert user is not None
    workspace = services.workspace_for(user.id, user.email)
    params = UpdateParams(
        queries=["python developer"],
        locations=["Poland"],
        sources=[LinkedInSourceSpec(type="linkedin")],
        max_jobs_per_search=postings,
    )
    subscription = services.bus.subscribe(user.id)
    try:
        watch = CpuWatch()
        run = await workspace.start_update(params)
        status = await final_status(subscription, run.id)
        wall, share = watch.stop()
    finally:
        services.bus.unsubscribe(subscription)
    done = await workspace.run(run.id)
    assert status == "succeeded", (status, done.error)
    return done.counts, wall, share


async def final_status(subscription: Subscription, run_id: str) -> str:
    """Wait on the user's events for the run's final state."""
    while (event := await subscription.get()) is not None:
        status = event.data.get("status")
        ended = status not in ("queued", "running")
        if event.kind == "run_state" and event.run_id == run_id and ended:
            return str(status)
    raise RuntimeError("the event stream closed before the run ended")


async def replay(base_url: str, paths: list[str], concurrency: int) -> tuple[float, float]:
    """GET `paths` with a bare client as a run would; wall seconds and CPU share.

    The searches go one after the other, then the job pages `concurrency` at a time.
    """
    searches = [path for path in paths if path.startswith(SEARCH_PATH)]
    pages = [path for path in paths if not path.startswith(SEARCH_PATH)]
    slots = asyncio.Semaphore(concurrency)
    async with httpx.AsyncClient(base_url=base_url) as client:

        async def get(path: str) -> None:
            async with slots:
                (await client.get(path)).raise_for_status()

        watch = CpuWatch()
        for path in searches:
            await get(path)
        async with asyncio.TaskGroup() as group:
            for path in pages:
                group.create_task(get(path))
        return watch.stop()


async def cpu_share(base_url: str, postings: int) -> None:
    """Print the pipeline's CPU share of an update run, and a bare client's for the same GETs."""
    from dreamjobsearch.services import build_services

    with tempfile.TemporaryDirectory() as data_dir:
        services = await build_services(settings(Path(data_dir), base_url))
        try:
            gate = services.http.gate(urlsplit(base_url).netloc)
            concurrency = min(services.settings.fetch_concurrency, gate.policy.concurrency)
            counts, wall, share = await run_update(services, postings)
        finally:
            await services.aclose()
    async with httpx.AsyncClient() as client:
        asked: list[str] = (await client.get(base_url + REQUESTS_PATH)).json()
    bare_wall, bare_share = await replay(base_url, asked, concurrency)
    print(
        f"update run          : {wall:8.2f} s, {counts['fetched'] / wall:6.0f} postings fetched/s"
        f" ({len(asked)} GETs at concurrency {concurrency}; fetched {counts['fetched']},"
        f" new {counts['new']}, skipped cards {counts['errors']})"
    )
    print(f"pipeline CPU share of the run: {share:4.0%} ({share * wall:.2f} CPU s)")
    print(
        f"bare httpx, same GETs: {bare_wall:7.2f} s, CPU share {bare_share:4.0%}"
        f" ({bare_share * bare_wall:.2f} CPU s)"
    )
    print(f"ratio run/bare      : {wall / bare_wall:8.2f} (wall time)")
    from dreamjobsearch.config import Settings

    cpu_per_request = share * wall / len(asked)
    paced = Settings.model_fields["linkedin_request_interval"].default
    print(
        f"CPU per request     : {cpu_per_request * 1000:8.2f} ms; at LinkedIn's default pacing"
        f" ({paced:g} s a request) our code is {cpu_per_request / paced:.2%} of a run's time"
    )


def settings(data_dir: Path, linkedin_base_url: str, **overrides: Any) -> Settings:
    """Settings in `data_dir`, LinkedIn at `linkedin_base_url`, with no pacing at all."""
    from dreamjobsearch.config import Settings

    return Settings(
        _env_file=None,
        data_dir=data_dir,
        jwt_secret=SECRET,
        linkedin_base_url=linkedin_base_url,
        linkedin_request_interval=0,
        board_request_interval=0,
        **overrides,
    )


def main() -> None:
    """Run the benchmarks, or serve the fake boards (`--serve-fd`, the child process)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postings", type=int, default=50_000, help="postings to ingest")
    parser.add_argument("--linkedin-postings", type=int, default=500, help="postings in the run")
    parser.add_argument("--board-jobs", type=int, default=2000, help="jobs in the big board")
    parser.add_argument("--seconds", type=float, default=2.0, help="per parse measurement")
    parser.add_argument("--serve-fd", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_fd is not None:
        serve(args.serve_fd, args.board_jobs)
        return
    linkedin_parse(args.seconds)
    with fake_boards(args.board_jobs) as base_url:
        asyncio.run(greenhouse_parse(base_url, args.board_jobs, args.seconds))
        asyncio.run(cpu_share(base_url, args.linkedin_postings))
    asyncio.run(ingest(args.postings))


if __name__ == "__main__":
    main()
