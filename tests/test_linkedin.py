"""LinkedIn source: parsing the guest search and job pages, and paging over real HTTP."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route
from support import start_server
from uvicorn.protocols.http import httptools_impl

from dreamjobsearch.domain.postings import JobLink, JobPosting
from dreamjobsearch.sources.http import (
    FetchError,
    HostBlockedError,
    HostPolicy,
    MalformedResponseError,
    PoliteHttp,
    RetryPolicy,
)
from dreamjobsearch.sources.linkedin import (
    IncompletePageError,
    LinkedInSource,
    parse_posting_page,
    parse_search_page,
    parse_time_ago,
)

FIXTURES = Path(__file__).parent / "fixtures" / "linkedin"
BASE = "https://www.linkedin.com"
PAGE_1_IDS = [
    "4012345678",  # URN and /jobs/view/<slug>-<id>
    "4012345679",  # URN, date marked job-search-card__listdate--new
    "4009876543",  # no URN: /jobs/view/<slug>-<id>
    "4011122233",  # no URN: /jobs/view/<id>/
    "4013344455",  # no URN: /jobs/search?currentJobId=<id>
    "4015566677",
    # the seventh card has no id anywhere and is skipped
    "4017788899",
    "4018899001",
    "4019900112",
]
PAGE_2_IDS = [
    "4020011223",
    "4012345679",  # repeated from page 1
    "4020022334",
    "4020033445",
    "4009876543",  # repeated from page 1
    "4020044556",
    "4020055667",
]
NEW_ON_PAGE_2 = [job_id for job_id in PAGE_2_IDS if job_id not in PAGE_1_IDS]
SEARCH_PATH = "/jobs-guest/jobs/api/seeMoreJobPostings/search"


def fixture(name: str) -> str:
    """The text of a LinkedIn fixture."""
    return (FIXTURES / name).read_text(encoding="utf-8")


def link_for(base_url: str, job_id: str) -> JobLink:
    """The canonical link the source builds for a job id."""
    return JobLink(source="linkedin", external_id=job_id, url=f"{base_url}/jobs/view/{job_id}/")


def ago(posted: JobPosting, delta: timedelta) -> None:
    """Assert that the posting was posted `delta` before now (within a minute)."""
    assert posted.posted_at is not None
    expected = datetime.now(UTC) - delta
    assert abs(posted.posted_at - expected) < timedelta(minutes=1)


def generated_page(start: int) -> str:
    """A page of ten fresh cards whose ids depend on `start` (an endless result list)."""
    cards = (
        f'<li><div class="base-card base-search-card job-search-card" '
        f'data-entity-urn="urn:li:jobPosting:{5_000_000_000 + start + n}">'
        f'<a class="base-card__full-link" href="https://www.linkedin.com/jobs/view/'
        f'job-{5_000_000_000 + start + n}?position={n + 1}"></a></div></li>'
        for n in range(10)
    )
    return "\n".join(cards)


# --- parse_search_page ---------------------------------------------------------------------


def test_search_page_yields_one_canonical_link_per_card_with_an_id() -> None:
    links = parse_search_page(fixture("search_page_1.html"), BASE)
    assert links == [link_for(BASE, job_id) for job_id in PAGE_1_IDS]
    assert all(link.source == "linkedin" for link in links)
    assert links[0].url == "https://www.linkedin.com/jobs/view/4012345678/"


def test_search_page_keeps_ids_repeated_from_an_earlier_page() -> None:
    links = parse_search_page(fixture("search_page_2.html"), BASE)
    assert [link.external_id for link in links] == PAGE_2_IDS


def test_search_page_base_url_with_a_trailing_slash() -> None:
    links = parse_search_page(fixture("search_page_1.html"), "http://127.0.0.1:8123/")
    assert links[3].url == "http://127.0.0.1:8123/jobs/view/4011122233/"


def test_search_page_card_without_an_id_is_skipped() -> None:
    page = (
        '<li><div class="base-card base-search-card job-search-card" data-entity-urn="">'
        '<a class="base-card__full-link" href="https://www.linkedin.com/jobs/search?trk=x"></a>'
        '<h3 class="base-search-card__title">No id here</h3></div></li>'
        '<li><a class="base-card base-search-card job-search-card" '
        'href="https://www.linkedin.com/jobs/view/4031234567/"></a></li>'
    )
    assert parse_search_page(page, BASE) == [link_for(BASE, "4031234567")]


@pytest.mark.parametrize(
    "page",
    [
        fixture("search_page_empty.html"),
        "\n  \n",
        "<!DOCTYPE html><html><head><title>LinkedIn</title></head><body></body></html>",
        '<ul class="top-nav-menu"><li><a href="/jobs/search">Jobs</a></li></ul>',
    ],
)
def test_search_page_without_cards_is_empty(page: str) -> None:
    assert parse_search_page(page, BASE) == []


# --- parse_posting_page --------------------------------------------------------------------


def test_full_posting_has_every_field() -> None:
    link = link_for(BASE, "4012345678")
    posting = parse_posting_page(fixture("posting_full.html"), link)
    assert posting.source == "linkedin"
    assert posting.external_id == "4012345678"
    assert posting.link == "https://www.linkedin.com/jobs/view/4012345678/"
    assert posting.title == "Senior Python Developer"
    assert posting.company == "Acme Software S.A."
    assert posting.location == "Kraków, Małopolskie, Poland"
    ago(posting, timedelta(weeks=2))
    assert posting.salary == "PLN 20,000.00/month - PLN 28,000.00/month"
    assert posting.seniority_level == "Mid-Senior level"
    assert posting.employment_type == "Full-time"
    assert posting.job_function == "Engineering and Information Technology"
    assert posting.industries == "Software Development, IT Services and IT Consulting"
    assert posting.description == (
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


def test_minimal_posting_leaves_missing_fields_empty() -> None:
    posting = parse_posting_page(fixture("posting_minimal.html"), link_for(BASE, "4009876543"))
    assert posting.title == "Python Developer"
    assert posting.company == "Nordwind Logistics GmbH"
    assert posting.location == "Berlin, Berlin, Germany"
    ago(posting, timedelta(days=30))
    assert posting.description == (
        "Nordwind Logistics is looking for a Python Developer to maintain our route-planning "
        "tools.\n\nRequirements: Python, pandas, SQL."
    )
    assert posting.salary == ""
    assert posting.seniority_level == ""
    assert posting.employment_type == ""
    assert posting.job_function == ""
    assert posting.industries == ""


def test_unicode_posting_keeps_diacritics() -> None:
    posting = parse_posting_page(fixture("posting_unicode.html"), link_for(BASE, "4011122233"))
    assert posting.title == "Programista Python (Senior) \u2013 Zespół Płatności"
    assert posting.company == "Łódzka Fabryka Oprogramowania sp. z o.o."
    assert posting.location == "Łódź, Łódzkie, Polska"
    ago(posting, timedelta(hours=1))
    assert posting.employment_type == "Full-time"
    assert posting.seniority_level == "Associate"
    assert posting.job_function == ""
    assert posting.salary == ""
    assert posting.description.startswith("Kim jesteśmy?\n\nŁódzka Fabryka Oprogramowania")
    assert "\n- Współpraca z zespołem analityków przy projektowaniu hurtowni danych\n" in (
        posting.description
    )
    assert "zażółć gęślą jaźń!" in posting.description
    assert posting.description.endswith("dofinansowanie nauki języków obcych.")


@pytest.mark.parametrize(
    "page",
    [
        fixture("posting_broken.html"),
        "",
        '{"status": 404, "message": "Not found"}',
        "<html><body><main><h1>Sign in to view this job</h1></main></body></html>",
        '<section class="top-card-layout"><h1 class="top-card-layout__title">  </h1></section>',
    ],
)
def test_page_without_a_title_is_malformed(page: str) -> None:
    link = link_for(BASE, "4012345678")
    with pytest.raises(MalformedResponseError, match="4012345678"):
        parse_posting_page(page, link)


def test_title_found_in_the_top_card_without_its_class() -> None:
    page = (
        '<section class="top-card-layout"><div><h1> Data  Engineer </h1></div></section>'
        '<div class="show-more-less-html__markup"><p>Pipelines in Spark.</p></div>'
    )
    assert parse_posting_page(page, link_for(BASE, "4012345678")).title == "Data Engineer"


def test_guest_api_posting_fragment_with_an_h2_title_has_every_field() -> None:
    posting = parse_posting_page(fixture("posting_api.html"), link_for(BASE, "4133557799"))
    assert posting == JobPosting(
        source="linkedin",
        external_id="4133557799",
        link="https://www.linkedin.com/jobs/view/4133557799/",
        title="Data Engineer (Python/Spark) \u2013 R&D",
        company="Hafenblick Analytics GmbH",
        location="Hamburg, Hamburg, Germany",
        description=(
            "\u00dcber uns\n"
            "Hafenblick Analytics b\u00fcndelt Hafen-, Schiffs- & Wetterdaten f\u00fcr 40"
            " Reedereien.\n\n"
            "Deine Aufgaben\n\n"
            "- Du baust Batch- und Streaming-Pipelines mit Python und Spark\n"
            "- Du betreibst unser Lakehouse auf Delta Lake\n\n"
            "Was wir bieten\n\n"
            "- Hybrides Arbeiten, 2 Tage im B\u00fcro an der Elbe\n"
            "- 30 Urlaubstage & Jobrad"
        ),
        posted_at=posting.posted_at,
        salary="\u20ac62,000.00/yr - \u20ac78,000.00/yr",
        employment_type="Full-time",
        seniority_level="Mid-Senior level",
        job_function="Information Technology",
        industries="Maritime Transportation",
    )
    ago(posting, timedelta(days=5))


@pytest.mark.parametrize(
    "page",
    [
        fixture("posting_no_description.html"),
        fixture("posting_minimal.html").replace("show-more-less-html__markup", "removed"),
        '<section class="top-card-layout"><h2 class="top-card-layout__title">QA</h2></section>'
        '<div class="show-more-less-html__markup"> <br> </div>',
    ],
)
def test_page_without_its_description_is_incomplete(page: str) -> None:
    link = link_for(BASE, "4144668800")
    with pytest.raises(IncompletePageError) as raised:
        parse_posting_page(page, link)
    assert "without its description" in raised.value.message
    assert link.url in str(raised.value)


NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "delta"),
    [
        ("2 weeks ago", timedelta(weeks=2)),
        ("3 days ago", timedelta(days=3)),
        ("1 day ago", timedelta(days=1)),
        ("1 hour ago", timedelta(hours=1)),
        ("  12 minutes ago ", timedelta(minutes=12)),
        ("30 seconds ago", timedelta(seconds=30)),
        ("30+ days ago", timedelta(days=30)),
        ("Reposted 5 hours ago", timedelta(hours=5)),
        ("1 month ago", timedelta(days=30)),
        ("2 years ago", timedelta(days=730)),
    ],
)
def test_time_ago(text: str, delta: timedelta) -> None:
    assert parse_time_ago(text, NOW) == NOW - delta


@pytest.mark.parametrize(
    "text", ["", "yesterday", "vor 2 Tagen", "2 tygodnie temu", "1234 days ago", "days ago"]
)
def test_unknown_time_ago_is_none(text: str) -> None:
    assert parse_time_ago(text, NOW) is None


# --- over HTTP -----------------------------------------------------------------------------


class FakeLinkedIn:
    """LinkedIn's guest endpoints on 127.0.0.1: search pages by `start`, job pages by id.

    `statuses` are answered, in order, before any real answer (e.g. a 429, a run of 999).
    """

    def __init__(self) -> None:
        self.base_url = ""
        self.pages = {0: fixture("search_page_1.html"), 10: fixture("search_page_2.html")}
        self.page_for: Callable[[int], str] = lambda start: self.pages.get(start, "")
        self.postings = {
            "4012345678": fixture("posting_full.html"),
            "4009876543": fixture("posting_minimal.html"),
            "4011122233": fixture("posting_unicode.html"),
            "4019900112": fixture("posting_broken.html"),
        }
        self.statuses: list[int] = []
        self.searches: list[dict[str, str]] = []
        self.job_requests: list[str] = []
        self.app = Starlette(
            routes=[
                Route(SEARCH_PATH, self._search),
                Route("/jobs/view/{job_id}/", self._job),
            ]
        )

    @property
    def starts(self) -> list[int]:
        """The `start` of every search request, in order."""
        return [int(params["start"]) for params in self.searches]

    async def _search(self, request: Request) -> Response:
        self.searches.append(dict(request.query_params))
        if self.statuses:
            return Response(status_code=self.statuses.pop(0))
        return HTMLResponse(self.page_for(int(request.query_params["start"])))

    async def _job(self, request: Request) -> Response:
        job_id = request.path_params["job_id"]
        self.job_requests.append(job_id)
        if self.statuses:
            return Response(status_code=self.statuses.pop(0))
        page = self.postings.get(job_id)
        if page is None:
            return HTMLResponse("<html><body>Page not found</body></html>", status_code=404)
        return HTMLResponse(page)


@pytest.fixture
async def fake() -> AsyncIterator[FakeLinkedIn]:
    """A fake LinkedIn served over HTTP for the test."""
    linkedin = FakeLinkedIn()
    server = await start_server(linkedin.app)  # type: ignore[arg-type]
    linkedin.base_url = server.base_url
    yield linkedin
    await server.stop()


@pytest.fixture
async def http() -> AsyncIterator[PoliteHttp]:
    """A PoliteHttp without pacing and with quick retries, closed after the test."""
    client = PoliteHttp(
        user_agent="test",
        timeout=5,
        proxy=None,
        policies={},
        default_policy=HostPolicy(
            interval=0, concurrency=4, blocked_statuses=frozenset({429, 999})
        ),
        retry=RetryPolicy(retries=3, backoff=0.01, max_retry_after=0.05),
    )
    yield client
    await client.aclose()


@pytest.fixture
def source(fake: FakeLinkedIn, http: PoliteHttp) -> LinkedInSource:
    """The LinkedIn source pointed at the fake, in a fresh run session."""
    return LinkedInSource(http.for_run(), fake.base_url)


async def collect(
    source: LinkedInSource,
    query: str = "python developer",
    location: str = "",
    since: datetime | None = None,
    limit: int = 100,
) -> list[JobLink]:
    """Every link a search yields."""
    return [link async for link in source.search(query, location, since, limit)]


async def test_search_pages_by_cards_returned_until_an_empty_page(
    fake: FakeLinkedIn, source: LinkedInSource
) -> None:
    links = await collect(source, "python developer", "Kraków")
    assert [link.external_id for link in links] == PAGE_1_IDS + NEW_ON_PAGE_2
    assert links == [link_for(fake.base_url, link.external_id) for link in links]
    # page 1 returned ten cards (one without an id), page 2 seven, then the empty page
    assert fake.starts == [0, 10, 17]
    for params in fake.searches:
        assert params["keywords"] == "python developer"
        assert params["location"] == "Kraków"
        assert "f_TPR" not in params
    assert len(source.problems) == 1
    assert "search page from 0" in source.problems[0]


async def test_search_sends_recency_and_omits_an_empty_location(
    fake: FakeLinkedIn, source: LinkedInSource
) -> None:
    since = datetime.now(UTC) - timedelta(days=1)
    await collect(source, "data engineer", "", since, limit=1)
    [params] = fake.searches
    assert set(params) == {"keywords", "start", "f_TPR"}
    assert params["keywords"] == "data engineer"
    assert params["start"] == "0"
    assert params["f_TPR"].startswith("r")
    assert 86_400 <= int(params["f_TPR"][1:]) <= 86_410


async def test_search_recency_is_at_least_one_second(
    fake: FakeLinkedIn, source: LinkedInSource
) -> None:
    await collect(source, since=datetime.now(UTC) + timedelta(hours=1), limit=1)
    assert fake.searches[0]["f_TPR"] == "r1"


async def test_search_recency_takes_a_naive_since_as_utc(
    fake: FakeLinkedIn, source: LinkedInSource
) -> None:
    since = datetime.now(UTC).replace(tzinfo=None) - timedelta(hours=2)
    await collect(source, since=since, limit=1)
    assert 7_200 <= int(fake.searches[0]["f_TPR"][1:]) <= 7_210


@pytest.mark.parametrize(
    ("limit", "expected", "starts"),
    [
        (0, [], []),
        (5, PAGE_1_IDS[:5], [0]),
        (9, PAGE_1_IDS, [0]),
        (12, [*PAGE_1_IDS, *NEW_ON_PAGE_2[:3]], [0, 10]),
    ],
)
async def test_search_respects_the_limit(
    fake: FakeLinkedIn,
    source: LinkedInSource,
    limit: int,
    expected: list[str],
    starts: list[int],
) -> None:
    links = await collect(source, limit=limit)
    assert [link.external_id for link in links] == expected
    assert fake.starts == starts


async def test_search_stops_when_a_page_has_only_seen_ids(
    fake: FakeLinkedIn, source: LinkedInSource
) -> None:
    fake.page_for = lambda start: fixture("search_page_1.html")
    links = await collect(source)
    assert [link.external_id for link in links] == PAGE_1_IDS
    assert fake.starts == [0, 10]


async def test_search_stops_at_offset_1000(fake: FakeLinkedIn, source: LinkedInSource) -> None:
    fake.page_for = generated_page
    links = await collect(source, limit=5000)
    assert fake.starts == list(range(0, 1000, 10))
    assert len(links) == len({link.external_id for link in links}) == 1000


async def test_search_with_a_trailing_slash_in_the_base_url(
    fake: FakeLinkedIn, http: PoliteHttp
) -> None:
    source = LinkedInSource(http.for_run(), fake.base_url + "/")
    links = await collect(source, limit=1)
    assert links == [link_for(fake.base_url, PAGE_1_IDS[0])]
    assert fake.starts == [0]


async def test_fetch_parses_the_job_page_of_a_found_link(
    fake: FakeLinkedIn, source: LinkedInSource
) -> None:
    [link] = await collect(source, limit=1)
    posting = await source.fetch(link)
    assert fake.job_requests == ["4012345678"]
    assert posting.link == f"{fake.base_url}/jobs/view/4012345678/"
    assert (posting.source, posting.external_id) == ("linkedin", "4012345678")
    assert posting.title == "Senior Python Developer"
    assert posting.company == "Acme Software S.A."
    assert posting.salary == "PLN 20,000.00/month - PLN 28,000.00/month"
    assert posting.industries == "Software Development, IT Services and IT Consulting"


async def test_fetch_retries_after_a_429(fake: FakeLinkedIn, source: LinkedInSource) -> None:
    fake.statuses = [429]
    posting = await source.fetch(link_for(fake.base_url, "4011122233"))
    assert posting.location == "Łódź, Łódzkie, Polska"
    assert fake.job_requests == ["4011122233", "4011122233"]


async def test_a_run_of_999_blocks_the_host(
    fake: FakeLinkedIn, source: LinkedInSource, monkeypatch: pytest.MonkeyPatch
) -> None:
    # uvicorn only knows status lines up to 599; LinkedIn's refusal is a 999
    monkeypatch.setitem(httptools_impl.STATUS_LINE, 999, b"HTTP/1.1 999 Request denied\r\n")
    fake.statuses = [999] * 10
    with pytest.raises(HostBlockedError):
        await source.fetch(link_for(fake.base_url, "4012345678"))
    assert len(fake.job_requests) == 3
    with pytest.raises(HostBlockedError):
        await source.fetch(link_for(fake.base_url, "4009876543"))
    with pytest.raises(HostBlockedError):
        await collect(source)
    assert len(fake.job_requests) == 3
    assert fake.searches == []


async def test_fetch_of_a_broken_page_is_malformed(
    fake: FakeLinkedIn, source: LinkedInSource
) -> None:
    link = link_for(fake.base_url, "4019900112")
    with pytest.raises(MalformedResponseError) as raised:
        await source.fetch(link)
    assert link.url in str(raised.value)


async def test_fetch_of_a_missing_job_is_a_fetch_error(
    fake: FakeLinkedIn, source: LinkedInSource
) -> None:
    with pytest.raises(FetchError) as raised:
        await source.fetch(link_for(fake.base_url, "4000000001"))
    assert raised.value.status == 404
    assert not isinstance(raised.value, MalformedResponseError)
