"""End to end: `POST /update-database` against job boards served from 127.0.0.1.

A fake LinkedIn (guest search fragments and public job pages, in LinkedIn's markup) and fake
company boards (Greenhouse, Lever, Ashby and Arbeitnow JSON from tests/fixtures/) run in the
test's event loop, each on its own port, and record every request. The app is pointed at
them through its *_BASE_URL settings. The assertions are on what a user sees (runs, counts,
rankings, postings, live events) and on what the boards were asked for.
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import json
import os
import re
import signal
import sys
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import IO, Any

import httpx
import pytest
from conftest import seed_data_dir
from processes import boards_nowhere, free_port
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route
from support import (
    FINAL_STATES,
    EventStream,
    LiveServer,
    bearer,
    login,
    open_stream,
    register,
    start_server,
    user_id_of,
    wait_run,
)
from test_boards import ARBEITNOW_MIXED_KINDS, ATELIER_POSTINGS, NORTHWIND_JOBS
from uvicorn.protocols.http import httptools_impl

from dreamjobsearch.storage.search_terms import keyword_tokens

FIXTURES = Path(__file__).resolve().parent / "fixtures"
PIPELINE = FIXTURES / "pipeline"
SEARCH_PATH = "/jobs-guest/jobs/api/seeMoreJobPostings/search"
PAGE_SIZE = 10
GREENHOUSE_JOBS = "/v1/boards/acme/jobs"
GREENHOUSE_INFO = "/v1/boards/acme"
LEVER_POSTINGS = "/v0/postings/acme-robotics"
ASHBY_BOARD = "/posting-api/job-board/acme-labs"
ARBEITNOW_API = "/api/job-board-api"
BOARD_FILES = {
    GREENHOUSE_JOBS: "greenhouse/board_acme.json",
    GREENHOUSE_INFO: "greenhouse/board_acme_meta.json",
    LEVER_POSTINGS: "lever/postings_acme.json",
    ASHBY_BOARD: "ashby/board_acme.json",
    f"{ARBEITNOW_API}?page=1": "arbeitnow/page_1.json",
    f"{ARBEITNOW_API}?page=2": "arbeitnow/page_2.json",
}
BOARD_SOURCES = [
    {"type": "greenhouse", "board": "acme"},
    {"type": "lever", "board": "acme-robotics"},
    {"type": "ashby", "board": "acme-labs"},
    {"type": "arbeitnow"},
]
COUNT_NAMES = ("links_found", "fetched", "new", "duplicates", "errors", "blocked")
LEFTOVER_MARKUP = re.compile(r"<[a-zA-Z/!]|&(?:[a-zA-Z]+|#\d+|#x[0-9a-fA-F]+);")
SECRET = "pipeline-test-secret-that-is-long-enough-for-hs256-0123"
SERVE = "from dreamjobsearch.cli import app; app()"
# LinkedIn's and the boards' own answers for the fixtures, as tests/test_linkedin.py and
# tests/test_boards.py check them.
FULL_POSTING_DESCRIPTION = (
    "About Acme\n\n"
    "Acme Software builds payment & billing platforms used by 4,000+ merchants across "
    "Central Europe. Our Kraków office is home to 120 engineers.\n\n"
    "We are looking for a Senior Python Developer to join the Payments Core team.\n\n"
    "What you will do\n\n"
    "- Design and build services in Python 3.12 with FastAPI & asyncio\n"
    "- Own our PostgreSQL schemas, migrations and query performance\n"
    "- Review code and mentor two mid-level engineers\n\n"
    "What we expect\n\n"
    "- 5+ years of commercial experience with Python\n"
    "- Good knowledge of SQL (PostgreSQL) & message queues (Kafka or RabbitMQ)\n"
    "- English at B2 level or higher\n\n"
    "Nice to have: Kubernetes, Terraform, experience in fintech.\n\n"
    "We offer\n"
    "- B2B or employment contract (UoP)\n"
    "- Hybrid work: 2 days a week in the office\n"
    "- Private medical care & MultiSport card"
)
GREENHOUSE_BACKEND_DESCRIPTION = (
    "Acme Robotics builds autonomous picking robots for mid-sized warehouses. Our fleet"
    " handles 2 million picks a day.\n\n"
    "About the role\n\n"
    "You\u2019ll own the services that plan and dispatch robot missions \u2013 from the"
    " order API to the fleet scheduler.\n\n"
    "What you\u2019ll do\n\n"
    "- Design & build Python services (FastAPI, PostgreSQL, Redis)\n"
    "- Keep p99 latency under 50 ms at peak load\n"
    "- Mentor engineers and review designs\n\n"
    "What we offer\n\n"
    "- \u20ac75,000 \u2013 \u20ac95,000 plus equity\n"
    "- 30 days of vacation\n\n"
    "Acme is an equal opportunity employer. We welcome applications from people of"
    " every background."
)
# What `engineer` and `python` find in the fixture boards, by title words only.
BOARD_TITLES = {
    ("greenhouse", "Senior Backend Engineer (Python)"),
    ("greenhouse", "Robotics Software Engineer \u2013 Motion Planning"),
    ("greenhouse", "Data Engineer"),
    ("greenhouse", "Working Student \u2013 Python Test Automation (m/w/d)"),
    ("greenhouse", "Site Reliability Engineer"),
    ("lever", "Senior Platform Engineer"),
    ("lever", "Machine Learning Engineer, Perception"),
    ("lever", "Sales Engineer, Nordics"),
    ("lever", "Backend Developer (Python) \u2013 Fleet API"),
    ("ashby", "Staff Software Engineer, Infrastructure"),
    ("ashby", "Senior Python Engineer, Evaluations"),
    ("ashby", "Research Engineer, Multilingual"),
    ("arbeitnow", "Frontend Engineer (React/TypeScript)"),
    ("arbeitnow", "DevOps Engineer"),
    ("arbeitnow", "Backend Engineer (Go)"),
    ("arbeitnow", "Python Engineer \u2013 Data Platform"),
    ("arbeitnow", "Senior Python Developer (m/w/d)"),
}
LEVER_ENGINEERS = {
    "Senior Platform Engineer",
    "Machine Learning Engineer, Perception",
    "Sales Engineer, Nordics",
}
JOB_KINDS = [
    ("Python Developer", "Vistula Byteworks", "Warsaw, Masovian, Poland"),
    ("Senior Python Engineer", "Kestrelgate", "Kraków, Lesser Poland, Poland"),
    ("Backend Developer (Python/Django)", "Lumenhaus", "Berlin, Berlin, Germany"),
    ("Python Data Engineer", "Nordwind Logistics GmbH", "Hamburg, Hamburg, Germany"),
    ("Python Platform Engineer", "Baltic Bytes", "Gdańsk, Pomorskie, Poland"),
    ("Junior Python Developer", "Alpenwerk Systems", "Munich, Bavaria, Germany"),
]


def fixture(name: str) -> str:
    """The text of a fixture file."""
    return (FIXTURES / name).read_text(encoding="utf-8")


def slug(text: str) -> str:
    """A URL slug, the way LinkedIn shapes job and company links."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def render(template: str, **values: str) -> str:
    """Fill the `{{name}}` places of a fixture template."""
    for name, value in values.items():
        template = template.replace("{{" + name + "}}", value)
    assert "{{" not in template, template
    return template


# --- the fake LinkedIn -----------------------------------------------------------------------


@dataclass(frozen=True)
class Job:
    """A job the fake LinkedIn lists: its card in the search and its public page."""

    job_id: str
    title: str
    company: str = "Vistula Byteworks"
    location: str = "Warsaw, Masovian, Poland"
    description: str = ""  # HTML; empty means the default one, naming the job
    posted: str = "3 days ago"
    salary: str = ""
    seniority: str = "Mid-Senior level"
    employment: str = "Full-time"
    function: str = "Engineering and Information Technology"
    industries: str = "Software Development"

    def description_html(self) -> str:
        """The description as the job page shows it."""
        if self.description:
            return self.description
        return (
            f"<p><strong>{html.escape(self.company)}</strong> is hiring a "
            f"{html.escape(self.title)} (job {self.job_id}).</p>"
            "<p>What you will do:</p>"
            "<ul><li>Build Python services with FastAPI</li>"
            "<li>Own PostgreSQL &amp; Redis</li></ul>"
        )

    def description_text(self) -> str:
        """The default description as clean text."""
        return (
            f"{self.company} is hiring a {self.title} (job {self.job_id}).\n\n"
            "What you will do:\n\n"
            "- Build Python services with FastAPI\n"
            "- Own PostgreSQL & Redis"
        )


def make_jobs(count: int, first: int = 4_100_000_001) -> list[Job]:
    """`count` Python jobs with consecutive LinkedIn ids."""
    jobs = []
    for n in range(count):
        title, company, location = JOB_KINDS[n % len(JOB_KINDS)]
        jobs.append(Job(str(first + n), title, company, location))
    return jobs


def search_card(job: Job, position: int) -> str:
    """The job's card in a guest-search page."""
    return render(
        (PIPELINE / "linkedin_card.html").read_text(encoding="utf-8"),
        job_id=job.job_id,
        position=str(position),
        slug=slug(f"{job.title} at {job.company}"),
        title=html.escape(job.title),
        company=html.escape(job.company),
        company_slug=slug(job.company),
        location=html.escape(job.location),
        posted=job.posted,
    )


def posting_page(job: Job) -> str:
    """The job's public page."""
    return render(
        (PIPELINE / "linkedin_posting.html").read_text(encoding="utf-8"),
        job_id=job.job_id,
        slug=slug(f"{job.title} at {job.company}"),
        title=html.escape(job.title),
        company=html.escape(job.company),
        company_slug=slug(job.company),
        location=html.escape(job.location),
        posted=job.posted,
        salary=html.escape(job.salary),
        description=job.description_html(),
        seniority=html.escape(job.seniority),
        employment=html.escape(job.employment),
        function=html.escape(job.function),
        industries=html.escape(job.industries),
    )


@dataclass(frozen=True)
class Hit:
    """One request the fake received and the status it answered."""

    path: str
    params: dict[str, str]
    status: int

    @property
    def job_id(self) -> str | None:
        """The job id of a job-page request."""
        parts = self.path.split("/")
        return parts[3] if self.path.startswith("/jobs/view/") else None


class FakeLinkedIn:
    """LinkedIn's guest search (ten cards a page, by `start`) and job pages, on 127.0.0.1.

    `statuses[id]` are answered first for that job's page; with `refuse_after`, every job
    page requested after that many answers 999; `delay` slows every job page down.
    """

    def __init__(self) -> None:
        self.base_url = ""
        self.cards: list[Job] = []
        self.pages: dict[str, str] = {}
        self.statuses: dict[str, list[int]] = {}
        self.refuse_after: int | None = None
        self.delay = 0.0
        self.hits: list[Hit] = []
        self.app = Starlette(
            routes=[Route(SEARCH_PATH, self._search), Route("/jobs/view/{job_id}/", self._job)]
        )

    def serve(self, jobs: list[Job], page: str | None = None) -> None:
        """List the jobs in the search and serve their pages (or `page`, as it is)."""
        for job in jobs:
            self.cards.append(job)
            self.pages[job.job_id] = page or posting_page(job)

    @property
    def ids(self) -> list[str]:
        """Every listed job id."""
        return [job.job_id for job in self.cards]

    def job_hits(self) -> list[str]:
        """The job id of every job-page request, in order."""
        return [hit.job_id for hit in self.hits if hit.job_id is not None]

    def search_hits(self) -> list[Hit]:
        """Every search request."""
        return [hit for hit in self.hits if hit.path == SEARCH_PATH]

    def url(self, job_id: str) -> str:
        """The canonical link of a job, as the app stores it."""
        return f"{self.base_url}/jobs/view/{job_id}/"

    async def _search(self, request: Request) -> Response:
        params = dict(request.query_params)
        start = int(params.get("start", "0"))
        cards = self.cards[start : start + PAGE_SIZE]
        self.hits.append(Hit(request.url.path, params, 200))
        return HTMLResponse(
            "\n".join(search_card(job, start + n + 1) for n, job in enumerate(cards))
        )

    async def _job(self, request: Request) -> Response:
        job_id = request.path_params["job_id"]
        status = self._status_for(job_id)
        self.hits.append(Hit(request.url.path, {}, status))
        if self.delay:
            await asyncio.sleep(self.delay)
        if status == 404:
            return HTMLResponse("<html><body>Page not found</body></html>", status_code=404)
        if status != 200:
            return Response(status_code=status)
        return HTMLResponse(self.pages[job_id])

    def _status_for(self, job_id: str) -> int:
        scripted = self.statuses.get(job_id)
        if scripted:
            return scripted.pop(0)
        if self.refuse_after is not None and len(self.job_hits()) >= self.refuse_after:
            return 999
        return 200 if job_id in self.pages else 404


# --- the fake company boards -----------------------------------------------------------------


@dataclass
class FakeBoards:
    """Greenhouse, Lever, Ashby and Arbeitnow on one host: bodies by path, every request.

    Arbeitnow's pages are keyed `path?page=N`; unknown paths answer 404.
    """

    bodies: dict[str, bytes] = field(default_factory=dict)
    requests: list[str] = field(default_factory=list)
    base_url: str = ""

    def serve(self, path: str, content: bytes) -> None:
        """Answer `path` with `content`."""
        self.bodies[path] = content

    def serve_fixtures(self) -> None:
        """Answer every board path with its fixture file."""
        for path, name in BOARD_FILES.items():
            self.serve(path, (FIXTURES / name).read_bytes())

    async def answer(self, request: Request) -> Response:
        """The endpoint behind every path."""
        path, query = request.url.path, request.url.query
        self.requests.append(f"{path}?{query}" if query else path)
        key = f"{path}?page={request.query_params.get('page')}" if path == ARBEITNOW_API else path
        body = self.bodies.get(key)
        if body is None:
            return Response(b'{"status": 404, "error": "Not found"}', status_code=404)
        return Response(body, media_type="application/json")


@pytest.fixture
async def linkedin() -> AsyncIterator[FakeLinkedIn]:
    """The fake LinkedIn on its own port of 127.0.0.1."""
    fake = FakeLinkedIn()
    server = await start_server(fake.app)  # type: ignore[arg-type]
    fake.base_url = server.base_url
    yield fake
    await server.stop()


@pytest.fixture
async def boards() -> AsyncIterator[FakeBoards]:
    """The fake company boards on another port of 127.0.0.1."""
    fake = FakeBoards()
    app = Starlette(routes=[Route("/{path:path}", fake.answer)])
    server = await start_server(app)  # type: ignore[arg-type]
    fake.base_url = server.base_url
    yield fake
    await server.stop()


@pytest.fixture
async def app(
    request: pytest.FixtureRequest,
    linkedin: FakeLinkedIn,
    boards: FakeBoards,
    make_server: Any,
) -> LiveServer:
    """The app with every board pointed at the fakes (stopped before them).

    Parametrized indirectly, the parameter holds more settings.
    """
    server: LiveServer = await make_server(
        linkedin_base_url=linkedin.base_url,
        greenhouse_base_url=boards.base_url,
        lever_base_url=boards.base_url,
        ashby_base_url=boards.base_url,
        arbeitnow_base_url=boards.base_url,
        **getattr(request, "param", {}),
    )
    return server


@pytest.fixture
async def api(app: LiveServer) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client for the app."""
    async with app.client() as client:
        yield client


# --- helpers ---------------------------------------------------------------------------------


def counts(
    links_found: int,
    fetched: int,
    new: int,
    duplicates: int = 0,
    errors: int = 0,
    blocked: int = 0,
) -> dict[str, int]:
    """A run's expected counts."""
    return {
        "links_found": links_found,
        "fetched": fetched,
        "new": new,
        "duplicates": duplicates,
        "errors": errors,
        "blocked": blocked,
    }


async def user(api: httpx.AsyncClient, email: str) -> dict[str, str]:
    """Register an account and return its auth headers."""
    return bearer(await register(api, email))


async def start_run(api: httpx.AsyncClient, headers: dict[str, str], **params: Any) -> str:
    """Start a run (202) and return its id."""
    response = await api.post("/update-database", json=params, headers=headers)
    assert response.status_code == 202, response.text
    run_id: str = response.json()["run_id"]
    return run_id


async def get_run(api: httpx.AsyncClient, headers: dict[str, str], run_id: str) -> dict[str, Any]:
    """The run as its owner sees it."""
    response = await api.get(f"/runs/{run_id}", headers=headers)
    assert response.status_code == 200, response.text
    run: dict[str, Any] = response.json()
    return run


async def run_to_end(
    api: httpx.AsyncClient, headers: dict[str, str], **params: Any
) -> dict[str, Any]:
    """Start a run and wait for its end."""
    return await wait_run(api, headers, await start_run(api, headers, **params))


async def ranked(
    api: httpx.AsyncClient, headers: dict[str, str], keywords: list[str]
) -> dict[str, Any]:
    """The user's postings ranked by `keywords` (up to 500)."""
    response = await api.post(
        "/job-postings", json={"keywords": keywords, "limit": 500}, headers=headers
    )
    assert response.status_code == 200, response.text
    ranking: dict[str, Any] = response.json()
    return ranking


async def posting(
    api: httpx.AsyncClient, headers: dict[str, str], posting_id: int
) -> dict[str, Any]:
    """One of the user's postings in full."""
    response = await api.get(f"/job-postings/{posting_id}", headers=headers)
    assert response.status_code == 200, response.text
    detail: dict[str, Any] = response.json()
    return detail


async def wait_stored(
    api: httpx.AsyncClient, headers: dict[str, str], at_least: int, within: float = 15
) -> int:
    """Poll the user's ranking until it holds `at_least` postings; returns how many."""
    deadline = time.monotonic() + within
    while True:
        total: int = (await ranked(api, headers, ["python"]))["total"]
        if total >= at_least:
            return total
        assert time.monotonic() < deadline, f"only {total} postings stored after {within} s"
        await asyncio.sleep(0.05)


def linkedin_id(link: str) -> str:
    """The job id of a stored LinkedIn link (`.../jobs/view/<id>/`)."""
    return link.rstrip("/").rsplit("/", 1)[1]


def when(text: str) -> datetime:
    """An API timestamp, which must carry its zone."""
    value = datetime.fromisoformat(text)
    assert value.tzinfo is not None, text
    return value


async def events_until_end(
    stream: EventStream, run_id: str, within: float = 15
) -> list[dict[str, Any]]:
    """The run's events on a stream, up to and including its final `run_state`."""
    deadline = time.monotonic() + within
    events = []
    while True:
        event = await stream.next(max(0.01, deadline - time.monotonic()))
        assert event["run_id"] == run_id, event
        events.append(event)
        if event["kind"] == "run_state" and event["data"]["status"] in FINAL_STATES:
            return events


async def assert_quiet(stream: EventStream, within: float) -> None:
    """Fail if the stream receives any event within `within` seconds."""
    try:
        event = await stream.next(within)
    except TimeoutError:
        return
    pytest.fail(f"unexpected event: {event}")


def warnings_of(events: list[dict[str, Any]]) -> list[str]:
    """The messages of the warning logs among `events`."""
    return [e["message"] for e in events if e["kind"] == "log" and e["level"] == "warning"]


# --- LinkedIn --------------------------------------------------------------------------------


async def test_linkedin_run_pages_through_the_search_and_stores_every_field(
    app: LiveServer, api: httpx.AsyncClient, linkedin: FakeLinkedIn
) -> None:
    full = Job("4012345678", "Senior Python Developer", "Acme Software S.A.", "Kraków")
    linkedin.serve([full], page=fixture("linkedin/posting_full.html"))
    others = make_jobs(12)
    linkedin.serve(others)
    headers = await user(api, "ada@example.com")

    # `sources` omitted: LinkedIn is the default.
    run = await run_to_end(api, headers, queries=["python developer"], locations=["Kraków"])
    assert run["status"] == "succeeded", run
    assert run["params"]["sources"] == [{"type": "linkedin"}]
    assert run["counts"] == counts(13, 13, 13)
    assert run["error"] is None
    assert run["message"] is None
    # Ten cards, then three, then the empty page that ends the search.
    searches = linkedin.search_hits()
    assert [int(hit.params["start"]) for hit in searches] == [0, 10, 13]
    for hit in searches:
        assert hit.params["keywords"] == "python developer"
        assert hit.params["location"] == "Kraków"
    assert sorted(linkedin.job_hits()) == sorted(linkedin.ids)

    ranking = await ranked(api, headers, ["python"])
    assert ranking["total"] == 13
    by_job = {linkedin_id(item["link"]): item for item in ranking["job_postings"]}
    assert set(by_job) == set(linkedin.ids)

    now = datetime.now(UTC)
    detail = await posting(api, headers, by_job[full.job_id]["id"])
    posted_at, found_at = when(detail.pop("posted_at")), when(detail.pop("found_at"))
    assert abs(posted_at - (now - timedelta(weeks=2))) < timedelta(minutes=5)  # "2 weeks ago"
    assert abs(found_at - now) < timedelta(minutes=5)
    link = linkedin.url(full.job_id)
    assert detail == {
        "id": by_job[full.job_id]["id"],
        "source": "linkedin",
        "external_id": full.job_id,
        "link": link,
        "job_title": "Senior Python Developer",
        "job_company": "Acme Software S.A.",
        "job_location": "Kraków, Małopolskie, Poland",
        "description": FULL_POSTING_DESCRIPTION,
        "salary": "PLN 20,000.00/month - PLN 28,000.00/month",
        "employment_type": "Full-time",
        "seniority_level": "Mid-Senior level",
        "job_function": "Engineering and Information Technology",
        "industries": "Software Development, IT Services and IT Consulting",
        "query": "python developer",
        "location_searched": "Kraków",
        "status": "new",
        "note": "",
        "links": [{"source": "linkedin", "link": link}],
    }

    other = others[2]
    detail = await posting(api, headers, by_job[other.job_id]["id"])
    assert detail["job_title"] == other.title
    assert detail["job_company"] == other.company
    assert detail["job_location"] == other.location
    assert detail["description"] == other.description_text()
    assert detail["salary"] == ""
    assert abs(when(detail["posted_at"]) - (now - timedelta(days=3))) < timedelta(minutes=5)

    # Another user's posting and a made-up id are both "not one of yours".
    bob = await user(api, "bob@example.com")
    response = await api.get(f"/job-postings/{by_job[full.job_id]['id']}", headers=bob)
    assert response.status_code == 404, response.text
    response = await api.get("/job-postings/987654321", headers=headers)
    assert response.status_code == 404, response.text


# --- company boards --------------------------------------------------------------------------


async def test_company_boards_in_one_run_are_downloaded_once_and_filtered_by_title(
    app: LiveServer, api: httpx.AsyncClient, boards: FakeBoards
) -> None:
    boards.serve_fixtures()
    headers = await user(api, "boards@example.com")
    run = await run_to_end(
        api,
        headers,
        queries=["engineer", "python"],
        locations=["", "Berlin"],
        sources=BOARD_SOURCES,
    )
    assert run["status"] == "succeeded", run
    # 25 matches over 16 searches, 17 distinct postings; the fixtures hold five malformed
    # jobs (two on Greenhouse, one on each other board), each skipped as an error.
    assert run["counts"] == counts(25, 25, 17, duplicates=8, errors=5)
    # Each board is downloaded once for its four searches.
    assert sorted(boards.requests) == sorted(
        [
            f"{GREENHOUSE_JOBS}?content=true",
            GREENHOUSE_INFO,
            f"{LEVER_POSTINGS}?mode=json",
            f"{ASHBY_BOARD}?includeCompensation=true",
            f"{ARBEITNOW_API}?page=1",
            f"{ARBEITNOW_API}?page=2",
        ]
    )

    ranking = await ranked(api, headers, ["engineer", "python"])
    assert ranking["total"] == 17
    assert {(item["source"], item["job_title"]) for item in ranking["job_postings"]} == (
        BOARD_TITLES
    )
    details = {}
    for item in ranking["job_postings"]:
        detail = await posting(api, headers, item["id"])
        details[detail["source"], detail["external_id"]] = detail
        description = detail["description"]
        assert description, detail
        assert not LEFTOVER_MARKUP.search(description), description
        assert "\n\n\n" not in description
        assert detail["query"] in ("engineer", "python")
        assert detail["location_searched"] == ""
        assert detail["links"] == [{"source": detail["source"], "link": detail["link"]}]

    backend = details["greenhouse", "4012345006"]
    assert backend["description"] == GREENHOUSE_BACKEND_DESCRIPTION  # unescaped, then text
    assert backend["job_company"] == "Acme Robotics"  # from the board's info
    assert backend["job_location"] == "Berlin, Germany"
    assert backend["job_function"] == "Engineering"
    assert when(backend["posted_at"]) == datetime(2024, 4, 30, 15, 2, 10, tzinfo=UTC)
    assert backend["query"] == "engineer"
    platform = details["lever", "5f1c2d7e-3a4b-4c5d-8e9f-0a1b2c3d4e5f"]
    assert "\n- Run our Kubernetes fleet on AWS & bare metal\n" in platform["description"]
    assert platform["salary"] == "EUR 70,000\u201390,000 per year"
    staff = details["ashby", "2f6d8a10-4b1c-4e9a-9d3f-6c7b8a9e0f12"]
    assert staff["description"].endswith("- You write Go, Rust or Python")
    nordlicht = details["arbeitnow", "senior-python-developer-berlin-471123"]
    assert nordlicht["query"] == "python"
    assert "- Code Reviews & Pair Programming" in nordlicht["description"]


# --- dedupe ----------------------------------------------------------------------------------


async def test_a_second_run_and_another_user_fetch_no_posting_page_again(
    app: LiveServer, api: httpx.AsyncClient, linkedin: FakeLinkedIn
) -> None:
    linkedin.serve(make_jobs(6))
    params = {"queries": ["python developer"], "sources": [{"type": "linkedin"}]}
    ada = await user(api, "ada@example.com")

    first = await run_to_end(api, ada, **params)
    assert first["status"] == "succeeded", first
    assert first["counts"] == counts(6, 6, 6)
    assert sorted(linkedin.job_hits()) == sorted(linkedin.ids)

    second = await run_to_end(api, ada, **params)
    assert second["status"] == "succeeded", second
    assert second["counts"] == counts(6, 0, 0, duplicates=6)
    assert len(linkedin.job_hits()) == 6  # no job page asked for again

    bob = await user(api, "bob@example.com")
    third = await run_to_end(api, bob, **params)
    assert third["status"] == "succeeded", third
    assert third["counts"] == counts(6, 0, 6)  # linked to Bob, not fetched
    assert len(linkedin.job_hits()) == 6
    # Each run searched: six cards, then the empty page.
    assert len(linkedin.search_hits()) == 3 * 2

    ada_ids = {item["id"] for item in (await ranked(api, ada, ["python"]))["job_postings"]}
    bob_ranking = await ranked(api, bob, ["python"])
    assert bob_ranking["total"] == 6
    assert {item["id"] for item in bob_ranking["job_postings"]} == ada_ids  # stored once
    detail = await posting(api, bob, bob_ranking["job_postings"][0]["id"])
    assert detail["query"] == "python developer"
    assert detail["status"] == "new"


async def test_a_finished_run_prepares_the_users_rankings(
    app: LiveServer, api: httpx.AsyncClient, linkedin: FakeLinkedIn
) -> None:
    linkedin.serve(make_jobs(5))
    ada = await user(api, "ada@example.com")
    saved = await api.put("/me/keywords", json={"keywords": ["python", "django"]}, headers=ada)
    assert saved.status_code == 200
    run = await run_to_end(api, ada, queries=["python developer"], sources=[{"type": "linkedin"}])
    assert run["counts"] == counts(5, 5, 5)
    # The results page opened next finds the index and the saved keywords' sets ready.
    user_id = await user_id_of(app, "ada@example.com")
    rankings = app.services.workspace_services.rankings
    deadline = time.monotonic() + 10
    while (index := rankings.held(user_id)) is None or index.size < 5:
        assert time.monotonic() < deadline, "the run did not prepare the user's index"
        await asyncio.sleep(0.02)
    for keyword in ("python", "django"):
        assert index.keyword_set(keyword_tokens(keyword)) is not None
    assert (await ranked(api, ada, ["python"]))["total"] == 5


async def test_the_same_job_on_linkedin_and_greenhouse_is_one_result_with_both_links(
    app: LiveServer, api: httpx.AsyncClient, linkedin: FakeLinkedIn, boards: FakeBoards
) -> None:
    boards.serve_fixtures()
    greenhouse = {
        job["id"]: job for job in json.loads(fixture("greenhouse/board_acme.json"))["jobs"]
    }
    # The same company (legal form aside), title and city as Greenhouse's 4012345006 ...
    same_key = Job(
        "4200000001",
        "Senior Backend Engineer (Python)",
        "Acme Robotics GmbH",
        "Berlin, Berlin, Germany",
    )
    # ... and the same description as its 4012345009, under another title and company.
    same_text = Job(
        "4200000002",
        "Analytics Engineer, Warehouse Data",
        "Acme Robotics Analytics",
        "Warszawa, Mazowieckie, Polska",
        description=html.unescape(greenhouse[4012345009]["content"]),
    )
    alone = Job("4200000003", "Python Developer", "Kestrelgate", "Kraków, Lesser Poland, Poland")
    linkedin.serve([same_key, same_text, alone])
    headers = await user(api, "ada@example.com")

    run = await run_to_end(
        api,
        headers,
        queries=["engineer"],
        sources=[{"type": "linkedin"}, {"type": "greenhouse", "board": "acme"}],
    )
    assert run["status"] == "succeeded", run
    # Three on LinkedIn, four engineers on Greenhouse (two malformed jobs skipped).
    assert run["counts"] == counts(7, 7, 7, errors=2)

    ranking = await ranked(api, headers, ["engineer", "python"])
    assert ranking["total"] == 5  # seven postings, two of them the same jobs as two others
    results = {
        frozenset((link["source"], link["link"]) for link in item["links"]): item
        for item in ranking["job_postings"]
    }
    by_key = frozenset(
        {
            ("linkedin", linkedin.url(same_key.job_id)),
            ("greenhouse", "https://boards.greenhouse.io/acme/jobs/4012345006"),
        }
    )
    by_text = frozenset(
        {
            ("linkedin", linkedin.url(same_text.job_id)),
            ("greenhouse", "https://www.acme-robotics.example/careers/job?gh_jid=4012345009"),
        }
    )
    assert by_key in results
    assert by_text in results
    assert sorted(len(links) for links in results) == [1, 1, 1, 2, 2]
    for links in (by_key, by_text):
        detail = await posting(api, headers, results[links]["id"])
        assert {(link["source"], link["link"]) for link in detail["links"]} == links


# --- politeness and robustness -----------------------------------------------------------------


async def test_a_posting_page_answering_429_then_200_is_fetched(
    app: LiveServer, api: httpx.AsyncClient, linkedin: FakeLinkedIn
) -> None:
    jobs = make_jobs(3)
    linkedin.serve(jobs)
    slow_down = jobs[1].job_id
    linkedin.statuses[slow_down] = [429]
    headers = await user(api, "ada@example.com")

    run = await run_to_end(api, headers, queries=["python developer"])
    assert run["status"] == "succeeded", run
    assert run["counts"] == counts(3, 3, 3)
    assert [hit.status for hit in linkedin.hits if hit.job_id == slow_down] == [429, 200]
    assert (await ranked(api, headers, ["python"]))["total"] == 3


# With more fetches than LinkedIn's one request at a time, some wait for their turn at the
# host while the circuit opens: they must not be sent either.
@pytest.mark.parametrize(
    "app", [{"fetch_concurrency": 4}, {"fetch_concurrency": 8}], indirect=True, ids=["4", "8"]
)
async def test_a_run_of_999_opens_the_circuit_and_a_later_run_fetches_the_rest(
    app: LiveServer,
    api: httpx.AsyncClient,
    linkedin: FakeLinkedIn,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # uvicorn (serving the fake) only knows status lines up to 599; LinkedIn's refusal is 999.
    monkeypatch.setitem(httptools_impl.STATUS_LINE, 999, b"HTTP/1.1 999 Request denied\r\n")
    linkedin.serve(make_jobs(8))
    linkedin.refuse_after = 2
    params = {"queries": ["python developer", "data engineer"]}
    token = await register(api, "ada@example.com")
    headers = bearer(token)

    async with open_stream(api, token=token) as stream:
        run_id = await start_run(api, headers, **params)
        events = await events_until_end(stream, run_id)
    run = await get_run(api, headers, run_id)
    assert run["status"] == "succeeded", run
    assert run["counts"] == counts(8, 2, 2, blocked=6)
    assert run["error"] is None
    message = run["message"]
    assert "6 postings remain to fetch" in message, message
    assert "again later to continue" in message, message
    assert events[-1]["data"]["status"] == "succeeded"
    assert message in events[-1]["message"]
    assert message.startswith("LinkedIn refused us (blocked): "), message
    assert "LinkedIn refused us (blocked): it is limiting our requests" in warnings_of(events)
    # Two pages, then three refusals in a row: the circuit opens and nothing more is
    # asked, not even the second query's search.
    assert [(hit.job_id is None, hit.status) for hit in linkedin.hits] == [
        (True, 200),
        (True, 200),
        (False, 200),
        (False, 200),
        (False, 999),
        (False, 999),
        (False, 999),
    ]
    stored = {hit.job_id for hit in linkedin.hits if hit.job_id and hit.status == 200}

    # LinkedIn lets us in again: the same search fetches only what is missing.
    linkedin.refuse_after = None
    mark = len(linkedin.hits)
    again = await run_to_end(api, headers, **params)
    assert again["status"] == "succeeded", again
    assert again["message"] is None
    assert again["counts"] == counts(16, 6, 6, duplicates=10)
    refetched = [hit.job_id for hit in linkedin.hits[mark:] if hit.job_id]
    assert sorted(refetched) == sorted(set(linkedin.ids) - stored)
    ranking = await ranked(api, headers, ["python"])
    assert ranking["total"] == 8
    assert sorted(linkedin_id(item["link"]) for item in ranking["job_postings"]) == sorted(
        linkedin.ids
    )


async def test_a_broken_or_missing_posting_page_is_an_error_and_the_rest_are_stored(
    app: LiveServer, api: httpx.AsyncClient, linkedin: FakeLinkedIn
) -> None:
    jobs = make_jobs(5)
    linkedin.serve(jobs)
    broken, gone = jobs[1], jobs[3]
    linkedin.pages[broken.job_id] = fixture("linkedin/posting_broken.html")
    del linkedin.pages[gone.job_id]
    token = await register(api, "ada@example.com")
    headers = bearer(token)

    async with open_stream(api, token=token) as stream:
        run_id = await start_run(api, headers, queries=["python developer"])
        events = await events_until_end(stream, run_id)
    run = await get_run(api, headers, run_id)
    assert run["status"] == "succeeded", run
    assert run["counts"] == counts(5, 3, 3, errors=2)
    warnings = warnings_of(events)
    assert (
        "LinkedIn sent a page that was not what we expected "
        f"(job page {linkedin.url(broken.job_id)})"
    ) in warnings
    assert f"LinkedIn answered with an error 404 (job page {linkedin.url(gone.job_id)})" in (
        warnings
    )
    ranking = await ranked(api, headers, ["python"])
    assert {linkedin_id(item["link"]) for item in ranking["job_postings"]} == {
        job.job_id for job in jobs if job not in (broken, gone)
    }


async def test_a_malformed_board_is_a_counted_error_with_a_clear_event(
    app: LiveServer, api: httpx.AsyncClient, boards: FakeBoards
) -> None:
    boards.serve_fixtures()
    boards.serve(GREENHOUSE_JOBS, (FIXTURES / "greenhouse/board_malformed.json").read_bytes())
    boards.serve(ASHBY_BOARD, b"<html><body>Down for maintenance</body></html>")
    token = await register(api, "ada@example.com")
    headers = bearer(token)

    async with open_stream(api, token=token) as stream:
        run_id = await start_run(api, headers, queries=["engineer"], sources=[*BOARD_SOURCES[:3]])
        events = await events_until_end(stream, run_id)
    run = await get_run(api, headers, run_id)
    assert run["status"] == "succeeded", run
    # The two broken boards, and Lever's one malformed job.
    assert run["counts"] == counts(3, 3, 3, errors=3)
    warnings = warnings_of(events)
    assert (
        "The Greenhouse board acme sent a page that was not what we expected (searching 'engineer')"
    ) in warnings
    assert (
        "The Ashby board acme-labs sent a page that was not what we expected (searching 'engineer')"
    ) in warnings
    assert (
        "The Lever board acme-robotics: skipped job 6: createdAt is a string, not a Unix time"
    ) in warnings
    ranking = await ranked(api, headers, ["engineer"])
    assert {item["job_title"] for item in ranking["job_postings"]} == LEVER_ENGINEERS


async def test_a_board_that_404s_is_an_error_and_a_run_finding_nothing_fails(
    app: LiveServer, api: httpx.AsyncClient, boards: FakeBoards
) -> None:
    boards.serve_fixtures()
    token = await register(api, "ada@example.com")
    headers = bearer(token)
    missing = {"type": "greenhouse", "board": "nope"}

    async with open_stream(api, token=token) as stream:
        run_id = await start_run(api, headers, queries=["engineer"], sources=[missing])
        events = await events_until_end(stream, run_id)
    run = await get_run(api, headers, run_id)
    assert run["status"] == "failed", run
    assert run["counts"] == counts(0, 0, 0, errors=1)
    assert run["error"] == (
        "The Greenhouse board nope was not found (error 404): check the board's name"
        " (searching 'engineer')"
    ), run
    assert events[-1]["level"] == "error"
    assert run["error"] in events[-1]["message"]
    assert boards.requests == ["/v1/boards/nope/jobs?content=true"]

    run = await run_to_end(
        api,
        headers,
        queries=["engineer"],
        sources=[missing, {"type": "lever", "board": "acme-robotics"}],
    )
    assert run["status"] == "succeeded", run
    assert run["counts"] == counts(3, 3, 3, errors=2)  # the missing board, Lever's bad job


async def test_a_board_that_cannot_be_reached_fails_the_run_in_plain_words(
    make_server: Any,
) -> None:
    # LinkedIn at a closed port of 127.0.0.1 (the tests' default): nothing answers there.
    server: LiveServer = await make_server()
    async with server.client() as api:
        token = await register(api, "ada@example.com")
        headers = bearer(token)
        async with open_stream(api, token=token) as stream:
            run_id = await start_run(api, headers, queries=["python"], locations=["Berlin"])
            events = await events_until_end(stream, run_id)
        run = await get_run(api, headers, run_id)
    assert run["status"] == "failed", run
    assert run["error"] == (
        "LinkedIn could not be reached: nothing answered at its address "
        "(searching 'python' in 'Berlin')"
    )
    shown = [run["error"], *(event["message"] for event in events)]
    assert not [text for text in shown if re.search(r"Errno|Error\b|Exception|http://", text)]
    assert events[-1]["level"] == "error"
    assert run["error"] in events[-1]["message"]


@pytest.fixture
async def stalled_board() -> AsyncIterator[str]:
    """A Greenhouse that answers nothing until the test ends; yields its base URL."""
    release = asyncio.Event()

    async def endpoint(_request: Request) -> Response:
        await release.wait()
        return Response("{}", media_type="application/json")

    fake = await start_server(Starlette(routes=[Route("/{path:path}", endpoint)]))
    yield fake.base_url
    release.set()
    await fake.stop()


async def test_a_board_that_does_not_answer_in_time_timed_out(
    make_server: Any, stalled_board: str
) -> None:
    server: LiveServer = await make_server(greenhouse_base_url=stalled_board, http_timeout=0.2)
    async with server.client() as api:
        headers = bearer(await register(api, "ada@example.com"))
        run = await run_to_end(
            api, headers, queries=["engineer"], sources=[{"type": "greenhouse", "board": "slow"}]
        )
    assert run["status"] == "failed", run
    assert run["error"] == (
        "The Greenhouse board slow timed out: it did not answer in time (searching 'engineer')"
    )


# --- pages as the boards really send them (issue 16) -------------------------------------------

REAL_PAGE_SOURCES = [
    {"type": "greenhouse", "board": "northwind-energy"},
    {"type": "lever", "board": "atelier-achats"},
    {"type": "arbeitnow"},
]


async def test_linkedin_api_pages_are_stored_and_a_page_without_description_waits_for_a_rerun(
    app: LiveServer, api: httpx.AsyncClient, linkedin: FakeLinkedIn
) -> None:
    api_page = Job("4133557799", "Data Engineer (Python/Spark)", "Hafenblick Analytics GmbH")
    cut_short = Job("4144668800", "Backend Developer (Python)", "Wisła Cloud")
    linkedin.serve([api_page], page=fixture("linkedin/posting_api.html"))
    linkedin.serve([cut_short], page=fixture("linkedin/posting_no_description.html"))
    linkedin.serve(make_jobs(2))
    token = await register(api, "ada@example.com")
    headers = bearer(token)
    params = {"queries": ["python developer"], "sources": [{"type": "linkedin"}]}

    async with open_stream(api, token=token) as stream:
        run_id = await start_run(api, headers, **params)
        events = await events_until_end(stream, run_id)
    run = await get_run(api, headers, run_id)
    assert run["status"] == "succeeded", run
    assert run["counts"] == counts(4, 3, 3, errors=1)
    assert (
        "LinkedIn sent the job page without its description; it was not kept, and a later run "
        f"fetches it again (job page {linkedin.url(cut_short.job_id)})"
    ) in warnings_of(events)
    ranking = await ranked(api, headers, ["python"])
    by_job = {linkedin_id(item["link"]): item for item in ranking["job_postings"]}
    assert cut_short.job_id not in by_job
    detail = await posting(api, headers, by_job[api_page.job_id]["id"])
    assert detail["job_title"] == "Data Engineer (Python/Spark) \u2013 R&D"
    assert detail["job_company"] == "Hafenblick Analytics GmbH"
    assert detail["job_location"] == "Hamburg, Hamburg, Germany"
    assert detail["salary"] == "\u20ac62,000.00/yr - \u20ac78,000.00/yr"
    assert (detail["seniority_level"], detail["employment_type"]) == (
        "Mid-Senior level",
        "Full-time",
    )
    assert (detail["job_function"], detail["industries"]) == (
        "Information Technology",
        "Maritime Transportation",
    )
    assert detail["description"].startswith("\u00dcber uns\nHafenblick Analytics b\u00fcndelt")
    assert not LEFTOVER_MARKUP.search(detail["description"]), detail["description"]

    # LinkedIn sends the whole page this time: the job is fetched again, not taken as known.
    linkedin.pages[cut_short.job_id] = posting_page(cut_short)
    again = await run_to_end(api, headers, **params)
    assert again["counts"] == counts(4, 1, 1, duplicates=3)
    assert linkedin.job_hits().count(cut_short.job_id) == 2
    ranking = await ranked(api, headers, ["python"])
    stored = {linkedin_id(item["link"]): item for item in ranking["job_postings"]}
    whole = await posting(api, headers, stored[cut_short.job_id]["id"])
    assert whole["description"] == cut_short.description_text()


async def test_board_pages_as_employers_fill_them_are_stored_as_users_read_them(
    app: LiveServer, api: httpx.AsyncClient, boards: FakeBoards
) -> None:
    boards.serve(NORTHWIND_JOBS, (FIXTURES / "greenhouse/board_pay_transparency.json").read_bytes())
    boards.serve(ATELIER_POSTINGS, (FIXTURES / "lever/postings_placeholders.json").read_bytes())
    boards.serve(f"{ARBEITNOW_API}?page=1", (FIXTURES / "arbeitnow/page_mixed.json").read_bytes())
    headers = await user(api, "ada@example.com")
    queries = ["engineer", "achats", "acheteur", "scientist", "head", "junior", "praktikum"]

    run = await run_to_end(api, headers, queries=queries, sources=REAL_PAGE_SOURCES)
    assert run["status"] == "succeeded", run
    assert run["counts"] == counts(11, 11, 11)
    ranking = await ranked(api, headers, queries)
    assert ranking["total"] == 11
    details = {}
    for item in ranking["job_postings"]:
        detail = await posting(api, headers, item["id"])
        details[detail["external_id"]] = detail
        for name in ("job_title", "job_company", "job_location", "description", "job_function"):
            assert not LEFTOVER_MARKUP.search(detail[name]), detail
    seen = {
        key: (d["job_company"], d["salary"], d["employment_type"], d["seniority_level"])
        for key, d in details.items()
        if d["source"] == "greenhouse"
    }
    assert seen == {
        "7012001": (
            "Northwind Energy Systems",
            "$182,000 \u2013 $224,000 USD",
            "Full-time",
            "Senior",
        ),
        "7012002": (
            "Northwind Energy Systems",
            "US Pay Range: $140,000 \u2013 $172,000 USD; "
            "Canada Pay Range: $150,000 \u2013 $185,000 CAD",
            "Permanent",
            "P3, P4",
        ),
        "7012003": ("Northwind Energy Systems", "", "", ""),
    }
    assert "$182,000" not in details["7012001"]["description"]
    assert "Pay Range" not in details["7012001"]["description"]

    buyer = details["8a1f3c52-6d0e-4b7a-9c21-3e5f7a9b0c11"]
    assert buyer["job_title"] == "Responsable Achats & Moyens G\u00e9n\u00e9raux"
    assert (buyer["salary"], buyer["job_location"]) == ("", "Paris; remote; Lyon")
    assert buyer["job_function"] == "Achats & Moyens"
    assert "- Suivre le budget Achats & Moyens" in buyer["description"]
    assert details["8a1f3c52-6d0e-4b7a-9c21-3e5f7a9b0c12"]["salary"] == "EUR from 45,000 per year"
    paid = await api.post(
        "/job-postings", json={"keywords": ["achats"], "has_salary": True}, headers=headers
    )
    assert [item["job_title"] for item in paid.json()["job_postings"]] == [
        "Contr\u00f4leur de Gestion Achats"
    ]

    kinds = {
        key: (d["seniority_level"], d["employment_type"], d["job_location"])
        for key, d in details.items()
        if d["source"] == "arbeitnow"
    }
    assert kinds == ARBEITNOW_MIXED_KINDS
    scientist = details["senior-data-scientist-hamburg-512204"]["description"]
    assert scientist.startswith("\u00dcber Elbwerk: Wir planen Sharing-Flotten")
    assert "\n- Nachfrageprognosen mit Python & PyTorch\n" in scientist


# --- live progress ---------------------------------------------------------------------------


async def test_progress_streams_to_the_runs_user_only(
    app: LiveServer, api: httpx.AsyncClient, linkedin: FakeLinkedIn
) -> None:
    linkedin.serve(make_jobs(4))
    ada_token = await register(api, "ada@example.com")
    bob_token = await register(api, "bob@example.com")
    ada, bob = bearer(ada_token), bearer(bob_token)

    async with (
        open_stream(api, token=ada_token) as ada_stream,
        open_stream(api, token=bob_token) as bob_stream,
    ):
        run_id = await start_run(api, ada, queries=["python developer"])
        events = await events_until_end(ada_stream, run_id)
        await assert_quiet(bob_stream, within=0.5)

        # Bob's own run reaches Bob's stream, and nothing of it reaches Ada's.
        assert (await ranked(api, bob, ["python"]))["total"] == 0
        bob_run = await start_run(api, bob, queries=["python developer"])
        bob_events = await events_until_end(bob_stream, bob_run)
        assert bob_events[-1]["data"]["status"] == "succeeded"
        await assert_quiet(ada_stream, within=0.3)

    run = await get_run(api, ada, run_id)
    assert run["status"] == "succeeded", run
    assert run["counts"] == counts(4, 4, 4)
    states = [e for e in events if e["kind"] == "run_state"]
    assert [e["data"]["status"] for e in states] == ["running", "succeeded"]
    assert {name: states[-1]["data"][name] for name in COUNT_NAMES} == run["counts"]
    progress = [e for e in events if e["kind"] == "progress"]
    assert len(progress) == 5  # one per posting fetched, one for the search
    for event in progress:
        assert set(event["data"]) == {*COUNT_NAMES, "searches_done", "searches_total", "percent"}
        assert event["data"]["searches_total"] == 1
    percents = [e["data"]["percent"] for e in progress]
    assert percents == sorted(percents)
    assert percents[-1] == 100
    for name in COUNT_NAMES:  # counts only grow
        values = [e["data"][name] for e in progress]
        assert values == sorted(values), (name, values)
    assert {name: progress[-1]["data"][name] for name in COUNT_NAMES} == run["counts"]

    # Bob's ranking never had Ada's postings; her run is not his to see.
    assert (await api.get(f"/runs/{run_id}", headers=bob)).status_code == 404
    assert (await ranked(api, ada, ["python"]))["total"] == 4


# --- cancel ------------------------------------------------------------------------------------


async def test_cancel_stops_a_slow_run_and_keeps_what_was_stored(
    app: LiveServer, api: httpx.AsyncClient, linkedin: FakeLinkedIn
) -> None:
    linkedin.serve(make_jobs(30))
    linkedin.delay = 0.5
    headers = await user(api, "ada@example.com")
    run_id = await start_run(api, headers, queries=["python developer"])
    await wait_stored(api, headers, at_least=2)

    started = time.monotonic()
    response = await api.post(f"/runs/{run_id}/cancel", headers=headers)
    assert time.monotonic() - started < 2
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "cancelled"
    requested = len(linkedin.job_hits())
    kept: int = (await ranked(api, headers, ["python"]))["total"]
    assert 2 <= kept < 30

    await asyncio.sleep(0.7)  # longer than a job page takes
    assert len(linkedin.job_hits()) == requested  # no more requests
    assert (await ranked(api, headers, ["python"]))["total"] == kept  # what was stored stays
    run = await get_run(api, headers, run_id)
    assert run["status"] == "cancelled"
    assert run["finished_at"] is not None
    assert run["counts"]["new"] == kept
    again = await api.post(f"/runs/{run_id}/cancel", headers=headers)
    assert again.status_code == 409, again.text


# --- resume after a killed server --------------------------------------------------------------


@dataclass
class ServerProcess:
    """`dreamjob serve` running in a child process."""

    process: asyncio.subprocess.Process
    base_url: str
    log: Path


def open_log(path: Path) -> IO[bytes]:
    """A file for a child's output."""
    return path.open("ab")


def tail(log: Path) -> str:
    """The end of a child's output, for a failure message."""
    return log.read_text(errors="replace")[-2000:]


async def spawn_server(data_dir: Path, linkedin_url: str, log: Path) -> ServerProcess:
    """Start `dreamjob serve` on a free port and wait (bounded) until it answers."""
    port = free_port()
    env = {name: value for name, value in os.environ.items() if not name.startswith("DREAMJOB_")}
    env.update(
        {
            **boards_nowhere(),
            "DREAMJOB_DATA_DIR": str(data_dir),
            "DREAMJOB_JWT_SECRET": SECRET,
            "DREAMJOB_LINKEDIN_BASE_URL": linkedin_url,
            "DREAMJOB_LINKEDIN_REQUEST_INTERVAL": "0",
            "DREAMJOB_HTTP_RETRY_BACKOFF": "0.01",
            "DREAMJOB_LOG_LEVEL": "WARNING",
        }
    )
    output = open_log(log)
    try:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-c",
            SERVE,
            "serve",
            "--port",
            str(port),
            env=env,
            cwd=data_dir.parent,  # no .env of the developer's
            stdin=asyncio.subprocess.DEVNULL,
            stdout=output,
            stderr=asyncio.subprocess.STDOUT,
        )
    finally:
        output.close()
    server = ServerProcess(process, f"http://127.0.0.1:{port}", log)
    deadline = time.monotonic() + 30
    async with httpx.AsyncClient(base_url=server.base_url, timeout=2) as client:
        while True:
            if process.returncode is not None:
                pytest.fail(f"server exited {process.returncode}: {tail(log)}")
            with contextlib.suppress(httpx.TransportError):
                if (await client.get("/healthz")).status_code == 200:
                    return server
            if time.monotonic() > deadline:
                await kill(server)
                pytest.fail(f"server did not answer within 30 s: {tail(log)}")
            await asyncio.sleep(0.1)


async def kill(server: ServerProcess) -> None:
    """`kill -9` the server's process (by its pid) and reap it."""
    if server.process.returncode is None:
        with contextlib.suppress(ProcessLookupError):
            os.kill(server.process.pid, signal.SIGKILL)
    await asyncio.wait_for(server.process.wait(), timeout=10)


@pytest.mark.slow
async def test_a_killed_server_leaves_the_run_interrupted_and_a_new_run_fetches_the_rest(
    linkedin: FakeLinkedIn, tmp_path: Path, migrated_database: bytes
) -> None:
    linkedin.serve(make_jobs(12))
    linkedin.delay = 0.25
    data_dir = tmp_path / "data"
    seed_data_dir(data_dir, migrated_database)
    params = {"queries": ["python developer"]}
    servers: list[ServerProcess] = []
    try:
        first = await spawn_server(data_dir, linkedin.base_url, tmp_path / "first.log")
        servers.append(first)
        async with httpx.AsyncClient(base_url=first.base_url, timeout=10) as api:
            headers = bearer(await register(api, "resume@example.com"))
            run_id = await start_run(api, headers, **params)
            await wait_stored(api, headers, at_least=3)
        await kill(first)
        assert first.process.returncode == -signal.SIGKILL
        assert len(linkedin.job_hits()) < 12  # killed part-way
        linkedin.delay = 0

        second = await spawn_server(data_dir, linkedin.base_url, tmp_path / "second.log")
        servers.append(second)
        async with httpx.AsyncClient(base_url=second.base_url, timeout=10) as api:
            # Sessions lived in the killed process: log in again.
            headers = bearer(await login(api, "resume@example.com"))
            killed = await get_run(api, headers, run_id)
            assert killed["status"] == "interrupted", killed
            assert killed["finished_at"] is not None
            stored = {
                linkedin_id(item["link"])
                for item in (await ranked(api, headers, ["python"]))["job_postings"]
            }
            assert 3 <= len(stored) < 12

            mark = len(linkedin.hits)
            rerun = await run_to_end(api, headers, **params)
            assert rerun["status"] == "succeeded", rerun
            refetched = [hit.job_id for hit in linkedin.hits[mark:] if hit.job_id]
            assert sorted(refetched) == sorted(set(linkedin.ids) - stored)
            missing = 12 - len(stored)
            assert rerun["counts"] == counts(12, missing, missing, duplicates=len(stored))
            ranking = await ranked(api, headers, ["python"])
            assert ranking["total"] == 12  # twelve distinct jobs, none stored twice
            assert sorted(linkedin_id(item["link"]) for item in ranking["job_postings"]) == sorted(
                linkedin.ids
            )
    finally:
        for server in servers:
            await kill(server)
