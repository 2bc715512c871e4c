"""The SmartRecruiters source against Posting API JSON served from 127.0.0.1: the list,
page by page, and each posting's ad."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest
from fake_board import POSTING_IDS, POSTINGS, FakeBoard, running, serve_smartrecruiters

from dreamjobsearch.domain.postings import JobLink, JobPosting
from dreamjobsearch.sources.http import MalformedResponseError, RunHttp
from dreamjobsearch.sources.smartrecruiters import SmartRecruitersSource

BACKEND, SCIENTIST, CLINICAL, PYTHON = POSTING_IDS


@pytest.fixture
async def smartrecruiters() -> AsyncIterator[FakeBoard]:
    """SmartRecruiters' API on 127.0.0.1 with Acme Health's postings."""
    board = FakeBoard()
    serve_smartrecruiters(board)
    async with running(board):
        yield board


async def links(source: SmartRecruitersSource, query: str = "", location: str = "") -> list[str]:
    """The ids of the postings one search links to."""
    found = [item async for item in source.search(query, location, None, 100)]
    assert all(isinstance(item, JobLink) for item in found)
    return [item.external_id for item in found]


async def test_the_list_is_read_page_by_page_to_the_total(
    run_http: RunHttp, smartrecruiters: FakeBoard
) -> None:
    source = SmartRecruitersSource(run_http, smartrecruiters.base_url, "AcmeHealth")

    # The posting the second page repeats is found once; the one named 42 is skipped.
    assert await links(source) == [BACKEND, SCIENTIST, CLINICAL, PYTHON]
    assert [str(seen) for seen in smartrecruiters.requests] == [
        f"GET {POSTINGS}?offset=0&limit=100",
        f"GET {POSTINGS}?offset=3&limit=100",
    ]
    assert source.problems == ["job 4: name is a number, not a string"]


async def test_searches_filter_the_list_without_asking_for_ads(
    run_http: RunHttp, smartrecruiters: FakeBoard
) -> None:
    source = SmartRecruitersSource(run_http, smartrecruiters.base_url, "AcmeHealth")

    assert await links(source, "python") == [BACKEND, PYTHON]
    assert await links(source, "", "remote") == [SCIENTIST]
    assert await links(source, "", "munich") == [CLINICAL]
    assert await links(source, "engineer", "warsaw") == []
    assert len(smartrecruiters.requests) == 2


async def test_a_posting_is_whole_once_its_ad_is_fetched(
    run_http: RunHttp, smartrecruiters: FakeBoard
) -> None:
    source = SmartRecruitersSource(run_http, smartrecruiters.base_url, "AcmeHealth")
    await links(source)

    backend = await source.fetch(
        JobLink(
            "smartrecruiters", BACKEND, f"https://jobs.smartrecruiters.com/AcmeHealth/{BACKEND}"
        )
    )

    assert backend == JobPosting(
        source="smartrecruiters",
        external_id=BACKEND,
        link=f"https://jobs.smartrecruiters.com/AcmeHealth/{BACKEND}-senior-backend-engineer-python-",
        title="Senior Backend Engineer (Python)",
        company="Acme Health",
        location="Berlin, BE, Germany",
        description=(
            "Company Description\n\n"
            "Acme Health runs 40 clinics across Germany and Poland.\n\n"
            "Job Description\n\n"
            "Build the booking platform our patients use.\n\n"
            "- Python & FastAPI services\n"
            "- PostgreSQL at scale\n\n"
            "Qualifications\n\n"
            "- 5+ years of backend work\n"
            "- Care for privacy & security\n\n"
            "Additional Information\n\n"
            "We welcome applications from people of every background."
        ),
        posted_at=datetime(2026, 11, 19, 8, 15, 27, tzinfo=UTC),
        salary="EUR 70,000 - 85,000 per year",
        employment_type="Full-time",
        seniority_level="Mid-Senior Level",
        job_function="Engineering",
        industries="Hospital & Health Care",
    )
    scientist = await source.fetch(JobLink("smartrecruiters", SCIENTIST, ""))
    assert scientist.location == "Germany; Remote"
    assert scientist.salary == ""
    assert scientist.description.endswith("Python, pandas, and a statistics background.")
    clinical = await source.fetch(JobLink("smartrecruiters", CLINICAL, ""))
    assert clinical.location == "Munich, BY, DE"
    assert clinical.seniority_level == "Director"
    assert smartrecruiters.asked(f"{POSTINGS}/{BACKEND}") == 1


async def test_an_ad_without_sections_is_a_malformed_posting(
    run_http: RunHttp, smartrecruiters: FakeBoard
) -> None:
    smartrecruiters.serve("GET", f"{POSTINGS}/{PYTHON}", {"id": PYTHON, "jobAd": {"sections": {}}})
    source = SmartRecruitersSource(run_http, smartrecruiters.base_url, "AcmeHealth")
    await links(source)

    with pytest.raises(MalformedResponseError, match=f"posting {PYTHON} has no job ad"):
        await source.fetch(JobLink("smartrecruiters", PYTHON, ""))


async def test_a_list_that_is_not_a_page_of_postings_is_malformed(
    run_http: RunHttp, smartrecruiters: FakeBoard
) -> None:
    smartrecruiters.serve("GET", POSTINGS, {"offset": 0, "content": []}, page="0")
    source = SmartRecruitersSource(run_http, smartrecruiters.base_url, "AcmeHealth")

    with pytest.raises(MalformedResponseError, match="totalFound is null, not a number"):
        await links(source)
