"""A company board's API on 127.0.0.1 for tests: fixture files by method, path and page,
scripted failures, and a record of every request (with the JSON body of a POST)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from support import start_server

from dreamjobsearch.sources.http import HostPolicy, PoliteHttp, RetryPolicy, RunHttp

FIXTURES = Path(__file__).resolve().parent / "fixtures"


@dataclass(frozen=True)
class Seen:
    """One request the fake received."""

    method: str
    path: str
    query: str
    body: Any

    def __str__(self) -> str:
        query = f"?{self.query}" if self.query else ""
        return f"{self.method} {self.path}{query}"


@dataclass
class FakeBoard:
    """Answers `serve`d files; a path's `failures` (statuses) come first, 429s with
    `Retry-After: 0`; anything else is 404.

    A page is told apart by its `offset` query parameter (SmartRecruiters) or the `token`
    of a POSTed body (Workable's careers API): `serve(..., page="3")`.
    """

    bodies: dict[str, bytes] = field(default_factory=dict)
    failures: dict[str, list[int]] = field(default_factory=dict)
    requests: list[Seen] = field(default_factory=list)
    base_url: str = ""

    def serve(self, method: str, path: str, content: Any, page: str = "") -> None:
        """Answer `method path` (on `page`) with a fixture file (a `Path` under fixtures/),
        bytes as they are, or anything else as JSON."""
        if isinstance(content, Path):
            content = (FIXTURES / content).read_bytes()
        body = content if isinstance(content, bytes) else json.dumps(content).encode()
        self.bodies[_key(method, path, page)] = body

    def fail(self, path: str, *statuses: int) -> None:
        """Answer the next requests to `path` with these statuses, in order."""
        self.failures.setdefault(path, []).extend(statuses)

    def asked(self, path: str) -> int:
        """How many requests went to `path`."""
        return sum(1 for seen in self.requests if seen.path == path)

    async def answer(self, request: Request) -> Response:
        """The endpoint behind every path."""
        raw = await request.body()
        body = json.loads(raw) if raw else None
        seen = Seen(request.method, request.url.path, request.url.query, body)
        self.requests.append(seen)
        if self.failures.get(seen.path):
            status = self.failures[seen.path].pop(0)
            return Response(status_code=status, headers={"Retry-After": "0"})
        page = request.query_params.get("offset") or (body or {}).get("token") or ""
        found = self.bodies.get(_key(seen.method, seen.path, page))
        if found is None:
            return Response(status_code=404)
        return Response(found, media_type="application/json")


WIDGET = "/api/v1/widget/accounts/acme-analytics"
CAREERS_JOBS = "/api/v3/accounts/beta-logistics/jobs"
CAREERS_JOB = "/api/v2/accounts/beta-logistics/jobs"
NEXT_PAGE = "WzE3MzIwOTQ0MDAwMDAsNDgxNTE2MjMwM10="
POSTINGS = "/v1/companies/AcmeHealth/postings"
POSTING_IDS = ("744000067444685", "744000067444702", "744000067444719", "744000067444736")


def serve_workable(board: FakeBoard) -> None:
    """Workable's fixtures: Acme Analytics with the widget; Beta Logistics without it (the
    widget's 404), through the careers API's two pages and each job's detail."""
    board.serve("GET", WIDGET, Path("workable/widget_acme.json"))
    board.serve("POST", CAREERS_JOBS, Path("workable/jobs_beta_1.json"))
    board.serve("POST", CAREERS_JOBS, Path("workable/jobs_beta_2.json"), page=NEXT_PAGE)
    for shortcode in ("BL10000001", "BL10000002", "BL10000004"):
        path = Path(f"workable/job_{shortcode}.json")
        board.serve("GET", f"{CAREERS_JOB}/{shortcode}", path)


def serve_smartrecruiters(board: FakeBoard) -> None:
    """SmartRecruiters' fixtures: Acme Health's postings on two pages (offsets 0 and 3) and
    each posting's ad."""
    board.serve("GET", POSTINGS, Path("smartrecruiters/postings_page_1.json"), page="0")
    board.serve("GET", POSTINGS, Path("smartrecruiters/postings_page_2.json"), page="3")
    for posting_id in POSTING_IDS:
        path = Path(f"smartrecruiters/posting_{posting_id}.json")
        board.serve("GET", f"{POSTINGS}/{posting_id}", path)


def _key(method: str, path: str, page: str) -> str:
    return f"{method} {path} {page}"


@asynccontextmanager
async def running(board: FakeBoard) -> AsyncIterator[FakeBoard]:
    """`board` served on a free port of 127.0.0.1 until the block ends."""
    methods = ["GET", "POST"]
    server = await start_server(
        Starlette(routes=[Route("/{p:path}", board.answer, methods=methods)])
    )
    board.base_url = server.base_url
    try:
        yield board
    finally:
        await server.stop()


@asynccontextmanager
async def quick_http() -> AsyncIterator[RunHttp]:
    """A run's HTTP session with no pacing and quick retries."""
    polite = PoliteHttp(
        user_agent="test",
        timeout=5,
        proxy=None,
        policies={},
        default_policy=HostPolicy(interval=0, concurrency=4),
        retry=RetryPolicy(retries=2, backoff=0.01, max_retry_after=0.05),
    )
    try:
        yield polite.for_run()
    finally:
        await polite.aclose()
