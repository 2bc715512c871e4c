"""Personio careers sites: the XML feed served from 127.0.0.1, read by the source and by a
whole run of the app; feeds that try entity expansion or external entities refused; how
users name a site."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from host_boards import fake_host, template
from support import bearer, open_stream, register, wait_run
from test_boards import LEFTOVER_MARKUP, FakeBoards, by_id, collect, ids
from test_update_pipeline import (
    counts,
    events_until_end,
    get_run,
    posting,
    ranked,
    start_run,
    warnings_of,
)

from dreamjobsearch.domain.postings import JobPosting
from dreamjobsearch.errors import InvalidInputError
from dreamjobsearch.sources.catalog import base_urls, parse_source, source_fields
from dreamjobsearch.sources.http import FetchError, MalformedResponseError, RunHttp
from dreamjobsearch.sources.personio import PersonioSource

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "personio" / "feed_nordwerk.xml"
FEED = "/nordwerk/xml"
NORDWERK = {"type": "personio", "board": "nordwerk"}
SENIOR = "Senior Python Engineer (m/w/d) \u2013 Energy Trading"
# Company, places, employment type and seniority of each good position of the fixture.
POSITION_DETAILS = {
    SENIOR: (
        "Nordwerk Energie GmbH",
        "Hamburg; Berlin",
        "Permanent, Full-time",
        "Experienced, 5\u20137 years",
    ),
    "Frontend Engineer (m/w/d)": (
        "Nordwerk",
        "Remote (Deutschland)",
        "Permanent, Full- or part-time",
        "Experienced, 2\u20135 years",
    ),
    "Servicetechniker Batteriespeicher (m/w/d)": (
        "Nordwerk Service GmbH",
        "Kiel",
        "Permanent, Full-time",
        "Entry level, under 1 year",
    ),
    "Werkstudent Data Engineering (m/w/d)": (
        "Nordwerk",
        "Hamburg",
        "Working student, Part-time",
        "Student",
    ),
    "Head of Engineering (m/w/d)": (
        "Nordwerk",
        "Hamburg; Remote",
        "Permanent, Full-time",
        "Executive, over 15 years",
    ),
}
SENIOR_DESCRIPTION = (
    "\u00dcber uns\n\n"
    "Nordwerk betreibt 240 Batteriespeicher in ganz Deutschland & handelt ihren Strom an der"
    " B\u00f6rse.\n\n"
    "Deine Aufgaben\n\n"
    "- Du entwickelst unsere Handelsplattform in Python (FastAPI, asyncio)\n"
    "- Du bringst Prognosen & Fahrpl\u00e4ne in Produktion\n\n"
    "Dein Profil\n\n"
    "- 5+ Jahre Erfahrung mit Python\n"
    "- Sehr gutes Deutsch oder Englisch\n\n"
    "Wir freuen uns auf deine Bewerbung!"
)
LAUGHS = "".join(
    f'<!ENTITY lol{n} "{f"&lol{n - 1};" * 10}">' for n in range(1, 10)
)  # 10**9 "lol"s, if anything expanded them
BILLION_LAUGHS = (
    '<?xml version="1.0"?>\n'
    f'<!DOCTYPE workzag-jobs [<!ENTITY lol0 "lol">{LAUGHS}]>\n'
    "<workzag-jobs><position><id>1</id><name>&lol9;</name></position></workzag-jobs>"
).encode()
LOCAL_FILE = (
    b'<?xml version="1.0"?>\n'
    b'<!DOCTYPE workzag-jobs [<!ENTITY secret SYSTEM "file:///etc/passwd">]>\n'
    b"<workzag-jobs><position><id>1</id><name>&secret;</name></position></workzag-jobs>"
)


def external_dtd(host: FakeBoards) -> bytes:
    """A feed whose DTD sits on another address, which reading it would fetch."""
    return (
        '<?xml version="1.0"?>\n'
        f'<!DOCTYPE workzag-jobs SYSTEM "{host.base_url}/evil.dtd">\n'
        "<workzag-jobs><position><id>1</id><name>&from-dtd;</name></position></workzag-jobs>"
    ).encode()


@pytest.fixture
async def host() -> AsyncIterator[FakeBoards]:
    """The fake careers sites, serving Nordwerk's feed."""
    async with fake_host() as fake:
        fake.serve(FEED, FIXTURE.read_bytes())
        yield fake


def nordwerk(http: RunHttp, host: FakeBoards) -> PersonioSource:
    """Nordwerk's site, reached through the base URL template."""
    return PersonioSource(http, template(host), "nordwerk")


# --- the source -----------------------------------------------------------------------------


async def test_the_feed_is_asked_once_at_the_companys_own_address(
    http: RunHttp, host: FakeBoards
) -> None:
    source = nordwerk(http, host)
    everything = await collect(source)
    await collect(source, "engineer")
    await collect(source, "", "hamburg")
    assert host.requests == [FEED]
    assert len(everything) == 5
    for found in everything:
        assert found.source == "personio"
        assert found.link == f"{host.base_url}/nordwerk/job/{found.external_id}"
        assert found.salary == ""  # the feed has no salary
        assert found.description
        assert not LEFTOVER_MARKUP.search(found.description), found.description
        assert found.posted_at is not None
        assert found.posted_at.tzinfo == UTC


async def test_a_position_becomes_a_posting_with_every_field(
    http: RunHttp, host: FakeBoards
) -> None:
    postings = by_id(await collect(nordwerk(http, host)))
    assert postings["1834112"] == JobPosting(
        source="personio",
        external_id="1834112",
        link=f"{host.base_url}/nordwerk/job/1834112",
        title=SENIOR,
        company="Nordwerk Energie GmbH",
        location="Hamburg; Berlin",
        description=SENIOR_DESCRIPTION,
        posted_at=datetime(2026, 11, 3, 8, 15, 42, tzinfo=UTC),
        employment_type="Permanent, Full-time",
        seniority_level="Experienced, 5\u20137 years",
        job_function="Engineering",
    )
    assert postings["1834125"].posted_at == datetime(2026, 11, 10, 12, 0, tzinfo=UTC)
    # An HTML entity inside the CDATA is decoded like any other board's.
    assert "(Python, dbt) \u2013 20 Stunden" in postings["1834140"].description


async def test_companies_offices_remote_work_and_levels_read_as_words(
    http: RunHttp, host: FakeBoards
) -> None:
    postings = await collect(nordwerk(http, host))
    details = {
        p.title: (p.company, p.location, p.employment_type, p.seniority_level) for p in postings
    }
    assert details == POSITION_DETAILS


async def test_searches_filter_by_title_office_remote_and_date(
    http: RunHttp, host: FakeBoards
) -> None:
    source = nordwerk(http, host)
    assert ids(await collect(source, "engineer")) == ["1834112", "1834125"]
    assert ids(await collect(source, "", "berlin")) == ["1834112"]
    assert ids(await collect(source, "", "remote")) == ["1834125", "1834152"]
    recent = await collect(source, "", "", datetime(2026, 11, 5, tzinfo=UTC))
    assert ids(recent) == ["1834125", "1834140"]


async def test_malformed_positions_are_skipped_and_listed(http: RunHttp, host: FakeBoards) -> None:
    source = nordwerk(http, host)
    assert len(await collect(source)) == 5
    assert source.problems == [
        "job 5: missing name",
        "job 6: createdAt is not an ISO date: 'letzte Woche'",
    ]


async def test_an_empty_feed_is_a_site_with_no_positions(http: RunHttp, host: FakeBoards) -> None:
    host.serve(FEED, b'<?xml version="1.0" encoding="UTF-8"?>\n<workzag-jobs></workzag-jobs>')
    source = nordwerk(http, host)
    assert await collect(source) == []
    assert source.problems == []


async def test_a_429_is_retried_and_a_missing_site_is_an_error_asked_once(
    http: RunHttp, host: FakeBoards
) -> None:
    host.failures[FEED] = [429]
    assert len(await collect(nordwerk(http, host))) == 5
    assert host.requests == [FEED, FEED]

    missing = PersonioSource(http, template(host), "nobody")
    for query in ("", "engineer"):
        with pytest.raises(FetchError) as raised:
            await collect(missing, query)
        assert raised.value.status == 404
    assert host.count("/nobody/xml") == 1


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        (b"<html><body>Seite nicht gefunden</body></html>", "is <html>, not <workzag-jobs>"),
        (b"<workzag-jobs><position><id>1</id>", "is not well-formed XML"),
        (b'{"jobs": []}', "is not well-formed XML"),
    ],
)
async def test_a_feed_that_is_not_a_job_feed_is_malformed(
    http: RunHttp, host: FakeBoards, body: bytes, problem: str
) -> None:
    host.serve(FEED, body)
    with pytest.raises(MalformedResponseError, match=problem):
        await collect(nordwerk(http, host))


@pytest.mark.parametrize("attack", ["billion laughs", "local file", "external DTD"])
async def test_a_feed_declaring_entities_is_refused_unread(
    http: RunHttp, host: FakeBoards, attack: str
) -> None:
    body = {"billion laughs": BILLION_LAUGHS, "local file": LOCAL_FILE}.get(attack)
    host.serve(FEED, body or external_dtd(host))
    with pytest.raises(MalformedResponseError) as raised:
        await collect(nordwerk(http, host))
    assert "declares a DTD or entities, which are not read" in str(raised.value)
    assert raised.value.message == "sent a page that was not what we expected"
    assert host.requests == [FEED]  # and nothing fetched


# --- naming a site --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "personio:nordwerk",
        "nordwerk.jobs.personio.de",
        "https://nordwerk.jobs.personio.de/job/1834112?language=en",
        "https://nordwerk.jobs.personio.com/",
    ],
)
def test_a_site_is_named_by_short_form_or_careers_address(text: str) -> None:
    assert source_fields(text) == NORDWERK
    assert parse_source(text).display_name() == "the Personio board nordwerk"


def test_the_companys_login_is_not_its_careers_site() -> None:
    with pytest.raises(InvalidInputError, match="is not the address of a company board"):
        source_fields("https://nordwerk.personio.de/login")


def test_the_base_url_is_a_template_with_the_companys_name() -> None:
    assert base_urls({})["personio"] == "https://{board}.jobs.personio.de"


# --- a whole run ----------------------------------------------------------------------------


@pytest.fixture
async def api(host: FakeBoards, make_server: Any) -> AsyncIterator[httpx.AsyncClient]:
    """The app, its Personio base URL pointed at the fake sites."""
    server = await make_server(personio_base_url=template(host))
    async with server.client() as client:
        yield client


async def test_a_run_stores_the_positions_and_counts_the_malformed_ones(
    api: httpx.AsyncClient, host: FakeBoards
) -> None:
    host.failures[FEED] = [429]  # slowed down once: asked again
    token = await register(api, "ada@example.com")
    headers = bearer(token)
    async with open_stream(api, token=token) as stream:
        run_id = await start_run(
            api, headers, queries=["engineer"], locations=["", "remote"], sources=[NORDWERK]
        )
        events = await events_until_end(stream, run_id)
    run = await get_run(api, headers, run_id)

    assert run["status"] == "succeeded", run
    # Two engineers, the frontend one remote too; two positions malformed.
    assert run["counts"] == counts(3, 3, 2, duplicates=1, errors=2)
    warnings = warnings_of(events)
    assert "The Personio board nordwerk: skipped job 5: missing name" in warnings
    assert host.requests == [FEED, FEED]
    ranking = await ranked(api, headers, ["engineer"])
    stored = {item["job_title"]: item["id"] for item in ranking["job_postings"]}
    assert set(stored) == {SENIOR, "Frontend Engineer (m/w/d)"}
    senior = await posting(api, headers, stored[SENIOR])
    assert senior["description"] == SENIOR_DESCRIPTION
    assert senior["link"] == f"{host.base_url}/nordwerk/job/1834112"
    assert (senior["job_company"], senior["job_location"], senior["seniority_level"]) == (
        "Nordwerk Energie GmbH",
        "Hamburg; Berlin",
        "Experienced, 5\u20137 years",
    )


async def test_a_blocked_feed_or_an_entity_bomb_fails_the_run_in_plain_words(
    api: httpx.AsyncClient, host: FakeBoards
) -> None:
    headers = bearer(await register(api, "ada@example.com"))
    host.failures[FEED] = [403]
    run = await wait_run(
        api, headers, await start_run(api, headers, sources=[NORDWERK], queries=["engineer"])
    )
    assert run["status"] == "failed", run
    assert run["error"] == (
        "The Personio board nordwerk answered with an error 403 (searching 'engineer')"
    )

    host.serve(FEED, BILLION_LAUGHS)
    run = await wait_run(
        api, headers, await start_run(api, headers, sources=[NORDWERK], queries=["engineer"])
    )
    assert run["status"] == "failed", run
    assert run["counts"] == counts(0, 0, 0, errors=1)
    assert run["error"] == (
        "The Personio board nordwerk sent a page that was not what we expected"
        " (searching 'engineer')"
    )
