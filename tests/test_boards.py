"""Greenhouse, Lever, Ashby and Arbeitnow sources against fixture boards on 127.0.0.1."""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from support import start_server

from dreamjobsearch.domain.postings import JobLink, JobPosting
from dreamjobsearch.sources.arbeitnow import ArbeitnowSource
from dreamjobsearch.sources.ashby import AshbySource
from dreamjobsearch.sources.boards import BoardSource
from dreamjobsearch.sources.greenhouse import GreenhouseSource
from dreamjobsearch.sources.http import (
    FetchError,
    MalformedResponseError,
    RunHttp,
)
from dreamjobsearch.sources.lever import LeverSource
from dreamjobsearch.sources.text import html_to_text

FIXTURES = Path(__file__).resolve().parent / "fixtures"
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
}
PAGE_FILES = {"1": "arbeitnow/page_1.json", "2": "arbeitnow/page_2.json"}
LEFTOVER_MARKUP = re.compile(r"<[a-zA-Z/!]|&(?:[a-zA-Z]+|#\d+|#x[0-9a-fA-F]+);")


@dataclass
class FakeBoards:
    """The boards' hosts in one app: fixture files by path, every request it received.

    `/api/job-board-api` answers the fixture page its `page` parameter names. `failures`
    holds statuses a path answers first, before its file; unknown paths answer 404.
    """

    bodies: dict[str, bytes] = field(default_factory=dict)
    failures: dict[str, list[int]] = field(default_factory=dict)
    requests: list[str] = field(default_factory=list)
    base_url: str = ""

    def serve(self, path: str, content: Any) -> None:
        """Answer `path` with `content`: bytes as they are, anything else as JSON."""
        self.bodies[path] = content if isinstance(content, bytes) else json.dumps(content).encode()

    def serve_fixtures(self) -> None:
        """Answer every board path with its fixture file."""
        for path, name in BOARD_FILES.items():
            self.serve(path, (FIXTURES / name).read_bytes())

    def count(self, path: str) -> int:
        """How many requests asked for `path` (any query string)."""
        return sum(1 for request in self.requests if request.split("?")[0] == path)

    async def answer(self, request: Request) -> Response:
        """The endpoint behind every path."""
        path, query = request.url.path, request.url.query
        self.requests.append(f"{path}?{query}" if query else path)
        if self.failures.get(path):
            return Response(status_code=self.failures[path].pop(0))
        body = self.bodies.get(path)
        if path == ARBEITNOW_API and body is None:
            name = PAGE_FILES.get(request.query_params.get("page", ""))
            body = (FIXTURES / name).read_bytes() if name else None
        if body is None:
            return Response(status_code=404)
        return Response(body, media_type="application/json")


@pytest.fixture
async def boards() -> AsyncIterator[FakeBoards]:
    """The fake board hosts, serving the fixtures, on a free port of 127.0.0.1."""
    fake = FakeBoards()
    fake.serve_fixtures()
    server = await start_server(Starlette(routes=[Route("/{path:path}", fake.answer)]))
    fake.base_url = server.base_url
    yield fake
    await server.stop()


SourceFactory = Callable[[RunHttp, str], BoardSource]
SOURCES: dict[str, tuple[SourceFactory, str]] = {
    "greenhouse": (lambda http, url: GreenhouseSource(http, url, "acme"), GREENHOUSE_JOBS),
    "lever": (lambda http, url: LeverSource(http, url, "acme-robotics"), LEVER_POSTINGS),
    "ashby": (lambda http, url: AshbySource(http, url, "acme-labs"), ASHBY_BOARD),
    "arbeitnow": (lambda http, url: ArbeitnowSource(http, url), ARBEITNOW_API),
}


def make(kind: str, http: RunHttp, boards: FakeBoards) -> BoardSource:
    """The source of this kind on the fake boards."""
    factory, _ = SOURCES[kind]
    return factory(http, boards.base_url)


async def collect(
    source: BoardSource,
    query: str = "",
    location: str = "",
    since: datetime | None = None,
    limit: int = 100,
) -> list[JobPosting]:
    """Everything one search yields."""
    return [posting async for posting in source.search(query, location, since, limit)]


def ids(postings: list[JobPosting]) -> list[str]:
    """The board ids, in the order found."""
    return [posting.external_id for posting in postings]


def by_id(postings: list[JobPosting]) -> dict[str, JobPosting]:
    """Postings keyed by board id."""
    return {posting.external_id: posting for posting in postings}


# --- common behaviour -------------------------------------------------------------------


@pytest.mark.parametrize("kind", list(SOURCES))
async def test_descriptions_are_clean_text(kind: str, http: RunHttp, boards: FakeBoards) -> None:
    postings = await collect(make(kind, http, boards))
    assert len(postings) >= 6
    for posting in postings:
        assert posting.source == kind
        assert posting.description
        assert not LEFTOVER_MARKUP.search(posting.description), posting.description
        assert "\n\n\n" not in posting.description
        assert posting.posted_at is not None
        assert posting.posted_at.tzinfo == UTC


@pytest.mark.parametrize("kind", list(SOURCES))
async def test_board_is_downloaded_once_for_many_searches(
    kind: str, http: RunHttp, boards: FakeBoards
) -> None:
    source = make(kind, http, boards)
    everything = await collect(source)
    await asyncio.gather(collect(source, "engineer"), collect(source, "python", "berlin"))
    await collect(source, "designer", "remote", datetime(2024, 5, 1, tzinfo=UTC))
    assert await collect(source) == everything
    requested_pages = len(PAGE_FILES) if kind == "arbeitnow" else 1
    assert boards.count(SOURCES[kind][1]) == requested_pages


@pytest.mark.parametrize("kind", list(SOURCES))
async def test_server_errors_are_retried(kind: str, http: RunHttp, boards: FakeBoards) -> None:
    path = SOURCES[kind][1]
    boards.failures[path] = [503]
    assert await collect(make(kind, http, boards), limit=1)
    assert boards.count(path) == 2


@pytest.mark.parametrize("kind", list(SOURCES))
@pytest.mark.parametrize("status", [404, 410])
async def test_missing_board_is_a_fetch_error_raised_again_without_asking(
    kind: str, status: int, http: RunHttp, boards: FakeBoards
) -> None:
    path = SOURCES[kind][1]
    boards.failures[path] = [status]
    source = make(kind, http, boards)
    with pytest.raises(FetchError) as raised:
        await collect(source)
    assert raised.value.status == status
    # A company's board named by the user most likely has a typo in its name; Arbeitnow's
    # one address missing is only an error.
    if kind == "arbeitnow":
        assert raised.value.message == f"answered with an error {status}"
    else:
        assert raised.value.message == f"was not found (error {status}): check the board's name"
    with pytest.raises(FetchError) as again:
        await collect(source, "python")
    assert again.value.message == raised.value.message
    assert boards.count(path) == 1


MALFORMED = {
    "greenhouse": (
        (FIXTURES / "greenhouse/board_malformed.json").read_bytes(),
        "greenhouse:acme: the board's 'jobs' is an object, not a list",
    ),
    "lever": ({"postings": []}, "lever:acme-robotics: the board is an object, not a list"),
    "ashby": ({"apiVersion": "1", "error": "unknown board"}, "ashby:acme-labs: the board has no"),
    "arbeitnow": (
        {"data": [], "links": {"next": "https://www.arbeitnow.com/api/job-board-api?cursor=x"}},
        "arbeitnow: links.next 'https://www.arbeitnow.com/api/job-board-api?cursor=x' names no",
    ),
}


@pytest.mark.parametrize("kind", list(SOURCES))
async def test_malformed_board_is_an_error_naming_the_board(
    kind: str, http: RunHttp, boards: FakeBoards
) -> None:
    content, message = MALFORMED[kind]
    boards.serve(SOURCES[kind][1], content)
    with pytest.raises(MalformedResponseError, match=re.escape(message)):
        await collect(make(kind, http, boards))


async def test_a_board_that_is_not_json_is_malformed(http: RunHttp, boards: FakeBoards) -> None:
    boards.serve(LEVER_POSTINGS, b"<html><body>Maintenance</body></html>")
    with pytest.raises(MalformedResponseError, match="did not answer JSON"):
        await collect(make("lever", http, boards))


@pytest.mark.parametrize("kind", list(SOURCES))
async def test_fetch_answers_from_the_downloaded_board(
    kind: str, http: RunHttp, boards: FakeBoards
) -> None:
    source = make(kind, http, boards)
    posting = (await collect(source, limit=1))[0]
    link = JobLink(kind, posting.external_id, posting.link)
    assert await source.fetch(link) == posting
    with pytest.raises(MalformedResponseError, match="no job 'nope'"):
        await source.fetch(JobLink(kind, "nope", posting.link))
    assert len(boards.requests) == (2 if kind == "greenhouse" else 1)


# --- Greenhouse -----------------------------------------------------------------------------


async def test_greenhouse_requests_jobs_with_content_and_the_board_name(
    http: RunHttp, boards: FakeBoards
) -> None:
    postings = await collect(GreenhouseSource(http, boards.base_url, "acme"))
    assert boards.requests == [f"{GREENHOUSE_JOBS}?content=true", GREENHOUSE_INFO]
    assert {posting.company for posting in postings} == {"Acme Robotics"}


async def test_greenhouse_posting_fields(http: RunHttp, boards: FakeBoards) -> None:
    postings = by_id(await collect(GreenhouseSource(http, boards.base_url, "acme")))
    assert postings["4012345006"] == JobPosting(
        source="greenhouse",
        external_id="4012345006",
        link="https://boards.greenhouse.io/acme/jobs/4012345006",
        title="Senior Backend Engineer (Python)",
        company="Acme Robotics",
        location="Berlin, Germany",
        description=(
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
        ),
        posted_at=datetime(2024, 4, 30, 15, 2, 10, tzinfo=UTC),
        employment_type="Full-time",
        job_function="Engineering",
    )
    motion = postings["4012345007"]
    assert motion.title == "Robotics Software Engineer \u2013 Motion Planning"
    assert motion.location == "München, Germany"
    assert motion.job_function == "Engineering, Robotics"
    assert "\n\n- M.Sc. or Ph.D. in robotics" in motion.description
    assert postings["4012345009"].link.endswith("/careers/job?gh_jid=4012345009")
    assert 'answer "why did picking slow down?"' in postings["4012345009"].description
    assert "Error budgets <= 0.1% per month" in postings["4012345014"].description


async def test_greenhouse_job_without_first_publication_is_dated_by_its_update(
    http: RunHttp, boards: FakeBoards
) -> None:
    postings = by_id(await collect(GreenhouseSource(http, boards.base_url, "acme")))
    assert postings["4012345008"].posted_at == datetime(2024, 5, 8, 16, 0, tzinfo=UTC)


async def test_greenhouse_filters_by_title_words_location_and_date(
    http: RunHttp, boards: FakeBoards
) -> None:
    source = GreenhouseSource(http, boards.base_url, "acme")
    engineers = ["4012345006", "4012345007", "4012345009", "4012345014"]
    assert ids(await collect(source, "engineer")) == engineers
    assert ids(await collect(source, "ENGINEER", limit=2)) == engineers[:2]
    assert ids(await collect(source, "python")) == ["4012345006", "4012345013"]
    assert ids(await collect(source, "python", "berlin")) == ["4012345006"]
    assert ids(await collect(source, "", "MÜNCHEN")) == ["4012345007", "4012345010"]
    assert ids(await collect(source, "kubernetes")) == []
    recent = await collect(source, "", "", datetime(2024, 5, 1, tzinfo=UTC))
    assert ids(recent) == ["4012345007", "4012345008", "4012345014"]
    assert await collect(source, limit=0) == []


async def test_greenhouse_skips_malformed_jobs_and_lists_them(
    http: RunHttp, boards: FakeBoards
) -> None:
    source = GreenhouseSource(http, boards.base_url, "acme")
    assert len(await collect(source)) == 8
    assert source.problems == [
        "job 6: missing title",
        "job 9: location is a string, not an object",
    ]
    await collect(source, "engineer")
    assert len(source.problems) == 2


async def test_greenhouse_without_board_info_names_the_company_after_the_board(
    http: RunHttp, boards: FakeBoards
) -> None:
    del boards.bodies[GREENHOUSE_INFO]
    postings = await collect(GreenhouseSource(http, boards.base_url, "acme"))
    assert {posting.company for posting in postings} == {"Acme"}


async def test_greenhouse_board_info_failing_otherwise_is_an_error(
    http: RunHttp, boards: FakeBoards
) -> None:
    boards.failures[GREENHOUSE_INFO] = [403]
    with pytest.raises(FetchError) as raised:
        await collect(GreenhouseSource(http, boards.base_url, "acme"))
    assert raised.value.status == 403


# --- Lever ----------------------------------------------------------------------------------


async def test_lever_requests_json_mode(http: RunHttp, boards: FakeBoards) -> None:
    await collect(LeverSource(http, boards.base_url, "acme-robotics"))
    assert boards.requests == [f"{LEVER_POSTINGS}?mode=json"]


async def test_lever_posting_fields(http: RunHttp, boards: FakeBoards) -> None:
    postings = by_id(await collect(LeverSource(http, boards.base_url, "acme-robotics")))
    posting_id = "5f1c2d7e-3a4b-4c5d-8e9f-0a1b2c3d4e5f"
    assert postings[posting_id] == JobPosting(
        source="lever",
        external_id=posting_id,
        link=f"https://jobs.lever.co/acme-robotics/{posting_id}",
        title="Senior Platform Engineer",
        company="Acme Robotics",
        location="Berlin; Hamburg",
        description=(
            "Our Platform team keeps hundreds of robots connected to the cloud. You'll help us"
            " scale it.\n\n"
            "We work in small, autonomous squads.\n\n"
            "What you'll do\n"
            "- Run our Kubernetes fleet on AWS & bare metal\n"
            "- Build internal tooling in Go and Python\n"
            "- Own incident reviews\n\n"
            "What we're looking for\n"
            "- 5+ years in infrastructure or backend roles\n"
            "- Terraform and GitOps experience\n\n"
            "Acme Robotics is an equal opportunity employer.\n\n"
            "Questions? Write to jobs@acme-robotics.example."
        ),
        posted_at=datetime(2024, 4, 30, 10, 0, tzinfo=UTC),
        salary="EUR 70,000\u201390,000 per year",
        employment_type="Full-time",
        job_function="Platform",
    )


async def test_lever_salary_commitment_and_team(http: RunHttp, boards: FakeBoards) -> None:
    postings = await collect(LeverSource(http, boards.base_url, "acme-robotics"))
    details = {p.title: (p.salary, p.employment_type, p.job_function) for p in postings}
    assert details == {
        "Senior Platform Engineer": ("EUR 70,000\u201390,000 per year", "Full-time", "Platform"),
        "Machine Learning Engineer, Perception": (
            "EUR 80,000\u2013105,000 per year",
            "Full-time",
            "Perception",
        ),
        "Backend Developer (Python) \u2013 Fleet API": (
            "EUR 60,000\u201380,000 per year",
            "Full-time",
            "Fleet",
        ),
        "Technical Support Specialist (Part-time)": ("EUR 22.50 per hour", "Part-time", "Support"),
        "Working Student Marketing": ("", "Internship", "Brand"),
        "Sales Engineer, Nordics": ("SEK 55,000\u201370,000 per month", "Full-time", "Sales"),
    }


async def test_lever_searches_every_location_and_remote_work(
    http: RunHttp, boards: FakeBoards
) -> None:
    source = LeverSource(http, boards.base_url, "acme-robotics")
    assert [p.title for p in await collect(source, "", "hamburg")] == ["Senior Platform Engineer"]
    assert [p.title for p in await collect(source, "engineer", "oslo")] == [
        "Sales Engineer, Nordics"
    ]
    remote = await collect(source, "", "remote")
    assert [p.location for p in remote] == ["Remote - Germany"]
    since = await collect(source, "", "", datetime(2024, 5, 1, tzinfo=UTC))
    assert [p.title for p in since] == ["Machine Learning Engineer, Perception"]


async def test_lever_skips_malformed_postings(http: RunHttp, boards: FakeBoards) -> None:
    source = LeverSource(http, boards.base_url, "acme-robotics")
    assert len(await collect(source)) == 6
    assert source.problems == ["job 6: createdAt is a string, not a Unix time"]


async def test_jobs_with_invalid_text_are_skipped_and_listed(
    http: RunHttp, boards: FakeBoards
) -> None:
    postings = json.loads((FIXTURES / "lever/postings_acme.json").read_bytes())
    postings[0]["text"] = "Robotics\u0000 Engineer"
    postings[1]["categories"]["allLocations"] = ["Berlin \ud83d"]
    boards.serve(LEVER_POSTINGS, json.dumps(postings).encode())
    source = LeverSource(http, boards.base_url, "acme-robotics")
    assert len(await collect(source)) == 4
    assert source.problems[:2] == [
        "job 0: text contains a NUL character",
        "job 1: allLocations contains a lone surrogate (invalid Unicode)",
    ]


# --- Ashby ----------------------------------------------------------------------------------


async def test_ashby_requests_compensation(http: RunHttp, boards: FakeBoards) -> None:
    await collect(AshbySource(http, boards.base_url, "acme-labs"))
    assert boards.requests == [f"{ASHBY_BOARD}?includeCompensation=true"]


async def test_ashby_posting_fields(http: RunHttp, boards: FakeBoards) -> None:
    postings = by_id(await collect(AshbySource(http, boards.base_url, "acme-labs")))
    posting_id = "2f6d8a10-4b1c-4e9a-9d3f-6c7b8a9e0f12"
    assert postings[posting_id] == JobPosting(
        source="ashby",
        external_id=posting_id,
        link=f"https://jobs.ashbyhq.com/acme-labs/{posting_id}",
        title="Staff Software Engineer, Infrastructure",
        company="Acme Labs",
        location="New York, NY; San Francisco, CA",
        description=(
            "Acme Labs is building the evaluation platform for foundation models.\n\n"
            "Responsibilities\n\n"
            "- Scale our GPU scheduler to 10k+ nodes\n"
            "- Drive reliability & cost work across teams\n\n"
            "You might be a fit if\n\n"
            "- You have 8+ years building distributed systems\n"
            "- You write Go, Rust or Python"
        ),
        posted_at=datetime(2024, 5, 6, 14, 3, 11, 372000, tzinfo=UTC),
        salary="$190K \u2013 $240K \u2022 Offers Equity",
        employment_type="Full-time",
        job_function="Engineering",
    )


async def test_ashby_employment_compensation_and_department(
    http: RunHttp, boards: FakeBoards
) -> None:
    postings = await collect(AshbySource(http, boards.base_url, "acme-labs"))
    details = {p.title: (p.employment_type, p.salary, p.job_function) for p in postings}
    assert details == {
        "Staff Software Engineer, Infrastructure": (
            "Full-time",
            "$190K \u2013 $240K \u2022 Offers Equity",
            "Engineering",
        ),
        "Senior Python Engineer, Evaluations": (
            "Full-time",
            "$150K \u2013 $190K \u2022 Offers Equity",
            "Engineering",
        ),
        "Research Engineer, Multilingual": ("Full-time", "\u20ac95K \u2013 \u20ac120K", "Research"),
        "Developer Advocate": ("Part-time", "", "Marketing"),
        "Research Intern, Summer 2024": ("Internship", "$55 \u2013 $65 per hour", "Research"),
        "Technical Recruiter (Contract)": ("Contract", "", "People"),
    }


async def test_ashby_locations_include_secondary_and_remote(
    http: RunHttp, boards: FakeBoards
) -> None:
    source = AshbySource(http, boards.base_url, "acme-labs")
    remote = {p.title: p.location for p in await collect(source, "", "remote")}
    assert remote == {
        "Senior Python Engineer, Evaluations": "Remote (US)",
        "Developer Advocate": "London, United Kingdom; Remote",
        "Technical Recruiter (Contract)": "Remote",
    }
    munich = await collect(source, "engineer", "München")
    assert [p.location for p in munich] == ["Berlin, Germany; München, Germany"]
    assert "from Deutsch to 日本語" in munich[0].description


async def test_ashby_skips_malformed_jobs(http: RunHttp, boards: FakeBoards) -> None:
    source = AshbySource(http, boards.base_url, "acme-labs")
    assert len(await collect(source)) == 6
    assert source.problems == ["job 6: isRemote is a string, not a boolean"]


# --- Arbeitnow ------------------------------------------------------------------------------


async def test_arbeitnow_follows_next_links_under_our_base_url(
    http: RunHttp, boards: FakeBoards
) -> None:
    source = ArbeitnowSource(http, boards.base_url)
    postings = await collect(source)
    assert len(postings) == 8
    assert boards.requests == [f"{ARBEITNOW_API}?page=1", f"{ARBEITNOW_API}?page=2"]
    assert ids(await collect(source, "python")) == [
        "senior-python-developer-berlin-471123",
        "python-engineer-data-platform-remote-470951",
    ]
    assert len(boards.requests) == 2


async def test_arbeitnow_stops_paging_once_the_limit_is_met(
    http: RunHttp, boards: FakeBoards
) -> None:
    source = ArbeitnowSource(http, boards.base_url)
    assert ids(await collect(source, "developer", limit=1)) == [
        "senior-python-developer-berlin-471123"
    ]
    assert boards.requests == [f"{ARBEITNOW_API}?page=1"]
    assert ids(await collect(source, "engineer", limit=2)) == [
        "frontend-engineer-react-remote-471120",
        "devops-engineer-munchen-471098",
    ]
    assert boards.requests == [f"{ARBEITNOW_API}?page=1"]
    assert len(await collect(source, "engineer")) == 4
    assert boards.requests == [f"{ARBEITNOW_API}?page=1", f"{ARBEITNOW_API}?page=2"]


async def test_arbeitnow_reads_at_most_max_pages(http: RunHttp, boards: FakeBoards) -> None:
    source = ArbeitnowSource(http, boards.base_url, max_pages=1)
    assert len(await collect(source)) == 5
    assert len(await collect(source, "python")) == 1
    assert boards.requests == [f"{ARBEITNOW_API}?page=1"]


async def test_arbeitnow_posting_fields(http: RunHttp, boards: FakeBoards) -> None:
    postings = by_id(await collect(ArbeitnowSource(http, boards.base_url)))
    slug = "senior-python-developer-berlin-471123"
    assert postings[slug] == JobPosting(
        source="arbeitnow",
        external_id=slug,
        link=f"https://www.arbeitnow.com/jobs/companies/nordlicht-software-gmbh/{slug}",
        title="Senior Python Developer (m/w/d)",
        company="Nordlicht Software GmbH",
        location="Berlin",
        description=(
            "Wer wir sind: Nordlicht entwickelt Software für Energieversorger.\n\n"
            "Deine Aufgaben:\n\n"
            "- Weiterentwicklung unserer Django-Plattform\n"
            "- Code Reviews & Pair Programming\n\n"
            "Wir bieten 30 Tage Urlaub und ein Deutschlandticket."
        ),
        posted_at=datetime(2024, 5, 7, 13, 0, tzinfo=UTC),
        employment_type="Full-time",
        seniority_level="Experienced",
        job_function="Software Development, Python, Django",
    )
    frontend = postings["frontend-engineer-react-remote-471120"]
    assert frontend.location == "Remote"
    assert postings["product-manager-remote-germany-471060"].location == "Berlin; Remote"
    assert postings["devops-engineer-munchen-471098"].location == "München"


async def test_arbeitnow_filters_and_skips_malformed_jobs(
    http: RunHttp, boards: FakeBoards
) -> None:
    source = ArbeitnowSource(http, boards.base_url)
    assert ids(await collect(source, "", "münchen")) == ["devops-engineer-munchen-471098"]
    recent = await collect(source, "", "remote", datetime(2024, 5, 5, tzinfo=UTC))
    assert ids(recent) == ["frontend-engineer-react-remote-471120"]
    assert source.problems == ["job 7: title is a list, not a string"]


# --- what captured real boards send (issue 16) ----------------------------------------------

NORTHWIND_JOBS = "/v1/boards/northwind-energy/jobs"
ATELIER_POSTINGS = "/v0/postings/atelier-achats"
# Seniority, employment type and location of each job in arbeitnow/page_mixed.json.
ARBEITNOW_MIXED_KINDS = {
    "senior-data-scientist-hamburg-512204": ("Experienced", "Full-time", "Hamburg"),
    "head-of-engineering-berlin-512190": ("Executive", "Full-time", "Berlin"),
    "junior-frontend-developer-remote-512177": ("Entry level", "Part-time", "Remote"),
    "praktikum-marketing-koln-512160": ("Internship", "", "K\u00f6ln"),
    "backend-engineer-kotlin-munchen-512151": ("Experienced", "Contract", "M\u00fcnchen; Remote"),
}


async def test_greenhouse_pay_range_is_the_salary_and_leaves_the_description(
    http: RunHttp, boards: FakeBoards
) -> None:
    boards.serve(NORTHWIND_JOBS, (FIXTURES / "greenhouse/board_pay_transparency.json").read_bytes())
    postings = by_id(await collect(GreenhouseSource(http, boards.base_url, "northwind-energy")))
    # Every job names its company: the board's info is not asked for.
    assert boards.requests == [f"{NORTHWIND_JOBS}?content=true"]
    assert postings["7012001"] == JobPosting(
        source="greenhouse",
        external_id="7012001",
        link="https://job-boards.greenhouse.io/northwindenergy/jobs/7012001",
        title="Staff Software Engineer, Grid Forecasting",
        company="Northwind Energy Systems",
        location="Boston, MA",
        description=(
            "Northwind Energy Systems forecasts load for 30 US utilities.\n\n"
            "What you\u2019ll do\n\n"
            "- Build forecasting services in Python & Rust\n"
            "- Run models on 15-minute meter data\n\n"
            "The base salary below is for this role in Massachusetts; pay depends on"
            " experience and skills.\n\n"
            "Northwind is an equal opportunity employer."
        ),
        posted_at=datetime(2026, 11, 18, 14, 0, tzinfo=UTC),
        salary="$182,000 \u2013 $224,000 USD",
        employment_type="Full-time",
        seniority_level="Senior",
        job_function="Engineering",
    )
    zones = postings["7012002"]
    assert zones.salary == (
        "US Pay Range: $140,000 \u2013 $172,000 USD; Canada Pay Range: $150,000 \u2013 $185,000 CAD"
    )
    assert zones.description == (
        "Our meter pipelines ingest 2 billion readings a day.\n\n"
        "- Own our Kafka & Spark jobs\n"
        "- Keep data contracts with the forecasting team\n\n"
        "Pay differs by where you live."
    )
    assert (zones.employment_type, zones.seniority_level) == ("Permanent", "P3, P4")
    plain = postings["7012003"]
    assert (plain.salary, plain.employment_type, plain.seniority_level) == ("", "", "")
    assert plain.company == "Northwind Energy Systems"


async def test_lever_placeholder_salaries_repeated_places_and_double_escapes(
    http: RunHttp, boards: FakeBoards
) -> None:
    boards.serve(ATELIER_POSTINGS, (FIXTURES / "lever/postings_placeholders.json").read_bytes())
    postings = await collect(LeverSource(http, boards.base_url, "atelier-achats"))
    seen = {p.title: (p.salary, p.location, p.job_function) for p in postings}
    assert seen == {
        "Responsable Achats & Moyens G\u00e9n\u00e9raux": (
            "",
            "Paris; remote; Lyon",
            "Achats & Moyens",
        ),
        "Acheteur Industriel (H/F)": ("EUR from 45,000 per year", "Lyon", "Achats & Moyens"),
        "Assistant(e) Services G\u00e9n\u00e9raux": ("", "Paris", "Moyens G\u00e9n\u00e9raux"),
        "Contr\u00f4leur de Gestion Achats": (
            "EUR 52,000\u201360,000 per year",
            "Paris; Remote",
            "Contr\u00f4le de Gestion",
        ),
    }
    assert postings[0].description == (
        "Vous pilotez les achats & les moyens g\u00e9n\u00e9raux de nos 3 sites.\n\n"
        "Poste bas\u00e9 \u00e0 Paris ou Lyon, t\u00e9l\u00e9travail possible.\n\n"
        "Vos missions\n"
        "- N\u00e9gocier les contrats fournisseurs\n"
        "- Suivre le budget Achats & Moyens\n\n"
        "Atelier Achats s'engage pour la diversit\u00e9."
    )


async def test_arbeitnow_escaped_descriptions_and_job_types_split(
    http: RunHttp, boards: FakeBoards
) -> None:
    boards.serve(ARBEITNOW_API, (FIXTURES / "arbeitnow/page_mixed.json").read_bytes())
    postings = by_id(await collect(ArbeitnowSource(http, boards.base_url)))
    kinds = {
        slug: (p.seniority_level, p.employment_type, p.location) for slug, p in postings.items()
    }
    assert kinds == ARBEITNOW_MIXED_KINDS
    assert postings["senior-data-scientist-hamburg-512204"].description == (
        "\u00dcber Elbwerk: Wir planen Sharing-Flotten f\u00fcr 12 St\u00e4dte.\n\n"
        "Deine Aufgaben:\n\n"
        "- Nachfrageprognosen mit Python & PyTorch\n"
        "- A/B-Tests f\u00fcr die Preisgestaltung\n\n"
        "Wir bieten 30 Tage Urlaub."
    )
    for posting in postings.values():
        assert posting.description
        assert not LEFTOVER_MARKUP.search(posting.description), posting.description


@pytest.mark.parametrize(
    ("markup", "text"),
    [
        (
            "&lt;p&gt;One &amp;amp; two&lt;/p&gt;&lt;ul&gt;&lt;li&gt;three&lt;/li&gt;&lt;/ul&gt;",
            "One & two\n\n- three",
        ),
        ("&amp;lt;p&amp;gt;Escaped twice&amp;lt;/p&amp;gt;", "Escaped twice"),
        ("<p>Achats &amp;amp; Moyens</p>", "Achats & Moyens"),
        ("Achats &amp;amp; Moyens\nG&eacute;n&eacute;raux", "Achats & Moyens\nG\u00e9n\u00e9raux"),
        ("<p>Budgets &amp;lt;= 0.1%</p>", "Budgets <= 0.1%"),
        ("Salary &lt; 50k &amp;amp; equity", "Salary < 50k & equity"),
    ],
)
def test_every_board_description_is_unescaped_once_then_cleaned(markup: str, text: str) -> None:
    assert html_to_text(markup) == text
