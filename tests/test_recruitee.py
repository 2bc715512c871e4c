"""Recruitee careers sites: the offers API served from 127.0.0.1, read by the source and by a
whole run of the app, and how users name a site."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from host_boards import fake_host, template
from pydantic import ValidationError
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
from dreamjobsearch.sources.recruitee import RecruiteeSource

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "recruitee" / "offers_tulip.json"
OFFERS = "/tulip/api/offers/"
TULIP = {"type": "recruitee", "board": "tulip"}
ENGINEERS = ["2209431", "2209440", "2209478"]
# Salary, places, employment type and seniority of each good offer of the fixture.
OFFER_DETAILS = {
    "Backend Engineer (Python)": (
        "EUR 60,000\u201375,000 per year",
        "Amsterdam, Netherlands",
        "Full-time, Permanent",
        "Experienced",
    ),
    "Frontend Engineer (React)": (
        "EUR 55,000\u201368,000 per year",
        "Rotterdam, Netherlands; Remote",
        "Full-time",
        "Mid level",
    ),
    "Data Analyst, Operations": (
        "EUR from 45,000 per year",
        "Utrecht, Netherlands; Amsterdam, Netherlands",
        "Part-time, Permanent",
        "Entry level",
    ),
    "Werkstudent Kundenservice (m/w/d)": (
        "EUR up to 1,800 per month",
        "Berlin, Germany",
        "Part-time",
        "Student",
    ),
    "Sales Manager DACH": ("", "Munich, Germany", "Full-time, Fixed term", "Manager"),
    "Platform Engineer (Peak Season)": (
        "",
        "Amsterdam, Netherlands",
        "Fulltime seasonal",
        "Experienced",
    ),
}
BACKEND_DESCRIPTION = (
    "Tulip plans the routes of 1,400 delivery vans across the Benelux every night.\n\n"
    "What you\u2019ll do\n\n"
    "- Build route-planning services in Python & PostgreSQL\n"
    "- Keep our nightly planning run under 20 minutes\n\n"
    "What we ask\n\n"
    "- 4+ years of Python in production\n"
    "- Experience with queues (RabbitMQ or Kafka)\n\n"
    "You speak English; Dutch is a plus."
)


@pytest.fixture
async def host() -> AsyncIterator[FakeBoards]:
    """The fake careers sites, serving Tulip's offers."""
    async with fake_host() as fake:
        fake.serve(OFFERS, FIXTURE.read_bytes())
        yield fake


def tulip(http: RunHttp, host: FakeBoards) -> RecruiteeSource:
    """Tulip's site, reached through the base URL template."""
    return RecruiteeSource(http, template(host), "tulip")


# --- the source -----------------------------------------------------------------------------


async def test_the_site_is_asked_once_at_the_companys_own_address(
    http: RunHttp, host: FakeBoards
) -> None:
    source = tulip(http, host)
    everything = await collect(source)
    await collect(source, "engineer")
    await collect(source, "", "remote")
    assert host.requests == [OFFERS]
    assert len(everything) == 6
    for found in everything:
        assert found.source == "recruitee"
        assert found.company == "Tulip Logistics B.V."
        assert found.description
        assert not LEFTOVER_MARKUP.search(found.description), found.description
        assert found.posted_at is not None
        assert found.posted_at.tzinfo == UTC


async def test_an_offer_becomes_a_posting_with_every_field(http: RunHttp, host: FakeBoards) -> None:
    postings = by_id(await collect(tulip(http, host)))
    assert postings["2209431"] == JobPosting(
        source="recruitee",
        external_id="2209431",
        link="https://tulip.recruitee.com/o/backend-engineer-python",
        title="Backend Engineer (Python)",
        company="Tulip Logistics B.V.",
        location="Amsterdam, Netherlands",
        description=BACKEND_DESCRIPTION,
        posted_at=datetime(2026, 11, 2, 9, 14, 5, tzinfo=UTC),
        salary="EUR 60,000\u201375,000 per year",
        employment_type="Full-time, Permanent",
        seniority_level="Experienced",
        job_function="Engineering",
    )
    # Never published: dated by its creation.
    assert postings["2209478"].posted_at == datetime(2026, 11, 1, 8, 0, tzinfo=UTC)


async def test_salaries_places_remote_work_and_codes_read_as_words(
    http: RunHttp, host: FakeBoards
) -> None:
    postings = await collect(tulip(http, host))
    details = {
        p.title: (p.salary, p.location, p.employment_type, p.seniority_level) for p in postings
    }
    assert details == OFFER_DETAILS


async def test_searches_filter_by_title_place_remote_and_date(
    http: RunHttp, host: FakeBoards
) -> None:
    source = tulip(http, host)
    assert ids(await collect(source, "engineer")) == ENGINEERS
    assert ids(await collect(source, "", "remote")) == ["2209440"]
    assert ids(await collect(source, "", "amsterdam")) == ["2209431", "2209452", "2209478"]
    recent = await collect(source, "", "", datetime(2026, 11, 1, tzinfo=UTC))
    assert ids(recent) == ENGINEERS


async def test_a_malformed_offer_is_skipped_and_listed(http: RunHttp, host: FakeBoards) -> None:
    offers = json.loads(FIXTURE.read_bytes())
    offers["offers"][1]["salary"] = {"min": "sixty", "max": None, "currency": "EUR"}
    offers["offers"][2]["published_at"] = "yesterday"
    host.serve(OFFERS, offers)
    source = tulip(http, host)
    assert len(await collect(source)) == 4
    assert source.problems == [
        "job 1: min is not a number: 'sixty'",
        "job 2: published_at is not a time: 'yesterday'",
        "job 6: missing title",
    ]


async def test_an_offer_without_a_company_name_is_the_sites(
    http: RunHttp, host: FakeBoards
) -> None:
    offers = json.loads(FIXTURE.read_bytes())
    for offer in offers["offers"]:
        del offer["company_name"]
    host.serve("/tulip-freight/api/offers/", offers)
    source = RecruiteeSource(http, template(host), "tulip-freight")
    assert {posting.company for posting in await collect(source)} == {"Tulip Freight"}


async def test_a_429_is_retried_and_a_missing_site_is_an_error_asked_once(
    http: RunHttp, host: FakeBoards
) -> None:
    host.failures[OFFERS] = [429]
    assert len(await collect(tulip(http, host))) == 6
    assert host.requests == [OFFERS, OFFERS]

    missing = RecruiteeSource(http, template(host), "nobody")
    for query in ("", "engineer"):
        with pytest.raises(FetchError) as raised:
            await collect(missing, query)
        assert raised.value.status == 404
    assert host.count("/nobody/api/offers/") == 1


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        ({"offers": {"id": 1}}, "recruitee:tulip: the board's 'offers' is an object, not a list"),
        ([], "recruitee:tulip: the board is a list, not an object"),
        (b"<html><body>Careers</body></html>", "did not answer JSON"),
    ],
)
async def test_a_site_that_is_not_an_offer_list_is_malformed(
    http: RunHttp, host: FakeBoards, body: Any, problem: str
) -> None:
    host.serve(OFFERS, body)
    with pytest.raises(MalformedResponseError, match=problem):
        await collect(tulip(http, host))


# --- naming a site --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "recruitee:tulip",
        "tulip.recruitee.com",
        "https://Tulip.recruitee.com/o/backend-engineer-python",
        "tulip.recruitee.com/",
    ],
)
def test_a_site_is_named_by_short_form_or_careers_address(text: str) -> None:
    assert source_fields(text) == TULIP
    assert parse_source(text).display_name() == "the Recruitee board tulip"


def test_a_name_that_is_no_host_of_its_own_is_refused() -> None:
    for text in ("recruitee:tulip.example.com", "recruitee:tulip_logistics", "recruitee:-tulip"):
        with pytest.raises(ValidationError, match="board"):
            parse_source(text)
    for address in ("https://recruitee.com/o/engineer", "a.tulip.recruitee.com"):
        with pytest.raises(InvalidInputError, match="is not the address of a company board"):
            source_fields(address)


def test_the_base_url_is_a_template_with_the_companys_name() -> None:
    assert base_urls({})["recruitee"] == "https://{board}.recruitee.com"
    assert base_urls({"recruitee": "http://127.0.0.1:8001/{board}"})["recruitee"] == (
        "http://127.0.0.1:8001/{board}"
    )


# --- a whole run ----------------------------------------------------------------------------


@pytest.fixture
async def api(host: FakeBoards, make_server: Any) -> AsyncIterator[httpx.AsyncClient]:
    """The app, its Recruitee base URL pointed at the fake sites."""
    server = await make_server(recruitee_base_url=template(host))
    async with server.client() as client:
        yield client


async def test_a_run_stores_the_offers_and_counts_the_malformed_one(
    api: httpx.AsyncClient, host: FakeBoards
) -> None:
    host.failures[OFFERS] = [429]  # slowed down once: asked again
    token = await register(api, "ada@example.com")
    headers = bearer(token)
    async with open_stream(api, token=token) as stream:
        run_id = await start_run(
            api, headers, queries=["engineer", "python"], locations=["", "remote"], sources=[TULIP]
        )
        events = await events_until_end(stream, run_id)
    run = await get_run(api, headers, run_id)

    assert run["status"] == "succeeded", run
    # engineer: 3 and 1 of them remote; python: the backend engineer's title, not remote.
    # The offer without a title is the run's one error.
    assert run["counts"] == counts(5, 5, 3, duplicates=2, errors=1)
    assert "The Recruitee board tulip: skipped job 6: missing title" in warnings_of(events)
    assert host.requests == [OFFERS, OFFERS]
    ranking = await ranked(api, headers, ["engineer"])
    stored = {item["job_title"]: item["id"] for item in ranking["job_postings"]}
    assert set(stored) == {
        "Backend Engineer (Python)",
        "Frontend Engineer (React)",
        "Platform Engineer (Peak Season)",
    }
    backend = await posting(api, headers, stored["Backend Engineer (Python)"])
    assert backend["description"] == BACKEND_DESCRIPTION
    assert (backend["job_company"], backend["job_location"], backend["salary"]) == (
        "Tulip Logistics B.V.",
        "Amsterdam, Netherlands",
        "EUR 60,000\u201375,000 per year",
    )
    assert (backend["employment_type"], backend["seniority_level"]) == (
        "Full-time, Permanent",
        "Experienced",
    )
    assert backend["link"] == "https://tulip.recruitee.com/o/backend-engineer-python"
    assert backend["external_id"] == "2209431"
    frontend = await posting(api, headers, stored["Frontend Engineer (React)"])
    assert frontend["job_location"] == "Rotterdam, Netherlands; Remote"


async def test_a_site_that_blocks_us_fails_the_run_in_plain_words(
    api: httpx.AsyncClient, host: FakeBoards
) -> None:
    host.failures[OFFERS] = [403]
    headers = bearer(await register(api, "ada@example.com"))
    run_id = await start_run(api, headers, queries=["engineer"], sources=[TULIP])
    run = await wait_run(api, headers, run_id)
    assert run["status"] == "failed", run
    assert run["counts"] == counts(0, 0, 0, errors=1)
    assert run["error"] == (
        "The Recruitee board tulip answered with an error 403 (searching 'engineer')"
    )
    assert host.requests == [OFFERS]
