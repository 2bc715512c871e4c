"""The Workable source against Workable's JSON served from 127.0.0.1: the widget (the whole
board in one request) and, for an account without it, the careers API's pages and details."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest
from fake_board import (
    CAREERS_JOB,
    CAREERS_JOBS,
    NEXT_PAGE,
    WIDGET,
    FakeBoard,
    running,
    serve_workable,
)

from dreamjobsearch.domain.postings import JobLink, JobPosting
from dreamjobsearch.sources.http import (
    FetchError,
    MalformedResponseError,
    RedirectRefusedError,
    RunHttp,
)
from dreamjobsearch.sources.workable import WorkableSource

JOBS = CAREERS_JOBS
JOB = CAREERS_JOB


@pytest.fixture
async def workable() -> AsyncIterator[FakeBoard]:
    """Workable's API on 127.0.0.1 with the fixture accounts."""
    board = FakeBoard()
    serve_workable(board)
    async with running(board):
        yield board


async def collect(
    source: WorkableSource, query: str = "", location: str = ""
) -> list[JobLink | JobPosting]:
    """Everything one search yields."""
    return [item async for item in source.search(query, location, None, 100)]


async def test_the_widget_gives_whole_postings_in_one_request(
    run_http: RunHttp, workable: FakeBoard
) -> None:
    source = WorkableSource(run_http, workable.base_url, "acme-analytics")
    postings = {item.external_id: item for item in await collect(source)}

    assert [str(seen) for seen in workable.requests] == [f"GET {WIDGET}?details=true"]
    assert postings["A1B2C3D4E5"] == JobPosting(
        source="workable",
        external_id="A1B2C3D4E5",
        link="https://apply.workable.com/j/A1B2C3D4E5",
        title="Senior Data Engineer",
        company="Acme Analytics",
        location="Berlin, Germany; Hamburg, Germany",
        description=(
            "You will build the pipelines that feed our forecasting models & keep them fast.\n\n"
            "What you will do\n\n"
            "- Design batch and streaming jobs in Python\n"
            "- Own our dbt models\n\n"
            "Requirements\n\n"
            "- 5+ years with Python & SQL\n"
            "- Experience with Kafka\n\n"
            "Benefits\n\n"
            "30 days of vacation, a learning budget and a Deutschlandticket."
        ),
        posted_at=datetime(2026, 11, 18, tzinfo=UTC),
        salary="EUR 70,000\u201390,000",
        employment_type="Full-time",
        seniority_level="Mid-Senior level",
        job_function="Engineering",
        industries="Computer Software",
    )
    await collect(source, "python")
    assert len(workable.requests) == 1


async def test_widget_remote_jobs_hidden_places_placeholder_pay_and_bad_jobs(
    run_http: RunHttp, workable: FakeBoard
) -> None:
    source = WorkableSource(run_http, workable.base_url, "acme-analytics")
    postings = {item.title: item for item in await collect(source)}

    assert set(postings) == {
        "Senior Data Engineer",
        "Python Developer (Remote)",
        "Product Designer",
        "Customer Success Manager",
    }
    remote = postings["Python Developer (Remote)"]
    assert isinstance(remote, JobPosting)
    assert remote.location == "Lisbon, Portugal; Remote"
    assert remote.seniority_level == "Associate"
    designer = postings["Product Designer"]
    assert isinstance(designer, JobPosting)
    assert designer.salary == ""  # 0 to 0 is no salary
    assert designer.employment_type == "Contract"
    assert postings["Customer Success Manager"].link.endswith("/R6S7T8U9V0")
    assert [item.title for item in await collect(source, "", "remote")] == [
        "Python Developer (Remote)"
    ]
    assert [item.title for item in await collect(source, "", "vienna")] == []
    # The job without a title is skipped and said; the job listed twice is one posting.
    assert source.problems == ["job 3: missing title"]


async def test_without_the_widget_the_careers_api_is_read_page_by_page(
    run_http: RunHttp, workable: FakeBoard
) -> None:
    source = WorkableSource(run_http, workable.base_url, "beta-logistics")
    found = await collect(source)

    assert found == [
        JobLink(
            "workable", "BL10000001", "https://apply.workable.com/beta-logistics/j/BL10000001/"
        ),
        JobLink(
            "workable", "BL10000002", "https://apply.workable.com/beta-logistics/j/BL10000002/"
        ),
        JobLink(
            "workable", "BL10000004", "https://apply.workable.com/beta-logistics/j/BL10000004/"
        ),
    ]
    assert [str(seen) for seen in workable.requests] == [
        "GET /api/v1/widget/accounts/beta-logistics?details=true",
        f"POST {JOBS}",
        f"POST {JOBS}",
    ]
    first, second = workable.requests[1].body, workable.requests[2].body
    assert "token" not in first
    assert second == {**first, "token": NEXT_PAGE}
    assert source.problems == ["job 2: missing shortcode"]


async def test_a_careers_api_job_is_whole_once_its_detail_is_fetched(
    run_http: RunHttp, workable: FakeBoard
) -> None:
    source = WorkableSource(run_http, workable.base_url, "beta-logistics")
    links = {item.external_id: item for item in await collect(source) if isinstance(item, JobLink)}

    backend = await source.fetch(links["BL10000001"])

    assert backend == JobPosting(
        source="workable",
        external_id="BL10000001",
        link="https://apply.workable.com/beta-logistics/j/BL10000001/",
        title="Backend Engineer (Python)",
        company="Beta Logistics",
        location="Amsterdam, North Holland, Netherlands",
        description=(
            "Beta Logistics plans 40,000 deliveries a day across the Benelux.\n\n"
            "You will own the Python services that assign parcels to routes.\n\n"
            "Requirements\n\n"
            "- 4+ years of Python\n"
            "- PostgreSQL & Redis in production\n\n"
            "Benefits\n\n"
            "- Hybrid: two days a week in Amsterdam\n"
            "- NS business card"
        ),
        posted_at=datetime(2026, 11, 20, 9, 30, tzinfo=UTC),
        salary="EUR 65,000\u201380,000",
        employment_type="Full-time",
        job_function="Engineering, Platform",
    )
    route = await source.fetch(links["BL10000002"])
    assert route.location == "Netherlands; Remote"
    assert route.employment_type == "Contract"
    assert route.description.startswith("Improve the solver")
    assert workable.asked(f"{JOB}/BL10000001") == 1
    with pytest.raises(MalformedResponseError, match="job BL10000004 has no description"):
        await source.fetch(links["BL10000004"])


async def test_careers_api_searches_filter_summaries_without_asking_for_details(
    run_http: RunHttp, workable: FakeBoard
) -> None:
    source = WorkableSource(run_http, workable.base_url, "beta-logistics")

    assert [item.external_id for item in await collect(source, "engineer", "amsterdam")] == [
        "BL10000001"
    ]
    assert [item.external_id for item in await collect(source, "", "remote")] == ["BL10000002"]
    assert not [seen for seen in workable.requests if seen.path.startswith(JOB)]


async def test_a_widget_answering_429_is_asked_again(
    run_http: RunHttp, workable: FakeBoard
) -> None:
    workable.fail(WIDGET, 429)
    source = WorkableSource(run_http, workable.base_url, "acme-analytics")

    assert len(await collect(source)) == 4
    assert workable.asked(WIDGET) == 2


async def test_a_widget_failing_otherwise_is_an_error_not_a_switch(
    run_http: RunHttp, workable: FakeBoard
) -> None:
    workable.fail(WIDGET, 403)
    source = WorkableSource(run_http, workable.base_url, "acme-analytics")

    with pytest.raises(FetchError) as raised:
        await collect(source)
    assert raised.value.status == 403
    assert workable.asked(JOBS) == 0


async def test_a_careers_api_redirecting_its_search_is_refused(
    run_http: RunHttp, workable: FakeBoard
) -> None:
    workable.fail(JOBS, 307)
    source = WorkableSource(run_http, workable.base_url, "beta-logistics")

    with pytest.raises(RedirectRefusedError, match="redirected a search: not followed"):
        await collect(source)
    assert workable.asked(JOBS) == 1
