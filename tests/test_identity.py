"""A posting's identity: the board it is from and the board's id, derived from its link."""

from __future__ import annotations

import pytest

from dreamjobsearch.sources.identity import (
    derive_identity,
    linkedin_job_id,
    normalize_link,
    source_for_link,
)

JOB_ID = "3912345678"


@pytest.mark.parametrize(
    "text",
    [
        f"https://www.linkedin.com/jobs/view/{JOB_ID}",
        f"https://www.linkedin.com/jobs/view/{JOB_ID}/",
        f"https://www.linkedin.com/jobs/view/{JOB_ID}/?refId=abc&trackingId=xyz",
        f"https://www.linkedin.com/jobs/view/senior-python-developer-at-acme-{JOB_ID}",
        f"https://pl.linkedin.com/jobs/view/programista-python-{JOB_ID}?trk=public_jobs",
        f"https://www.linkedin.com/jobs/view/{JOB_ID}#apply",
        f"https://www.linkedin.com/jobs-guest/jobs/api/jobPosting/{JOB_ID}",
        f"https://www.linkedin.com/jobs-guest/jobs/api/jobPosting/{JOB_ID}?trk=guest",
        f"https://www.linkedin.com/jobs/search/?currentJobId={JOB_ID}",
        f"https://www.linkedin.com/jobs/collections/recommended/?keywords=python&currentJobId={JOB_ID}",
        f'<div data-entity-urn="urn:li:jobPosting:{JOB_ID}">',
        f"urn:li:jobPosting:{JOB_ID}",
    ],
)
def test_linkedin_job_id_from_every_form(text: str) -> None:
    assert linkedin_job_id(text) == JOB_ID


@pytest.mark.parametrize(
    "text",
    [
        "https://www.linkedin.com/jobs/",
        "https://www.linkedin.com/jobs/search/?keywords=python",
        "https://www.linkedin.com/jobs/view/12345",  # too short to be a job id
        "https://www.linkedin.com/company/acme-3912345678",
        "",
    ],
)
def test_linkedin_job_id_absent(text: str) -> None:
    assert linkedin_job_id(text) is None


@pytest.mark.parametrize(
    ("link", "source"),
    [
        (f"https://www.linkedin.com/jobs/view/{JOB_ID}/", "linkedin"),
        (f"https://pl.linkedin.com/jobs/view/{JOB_ID}/", "linkedin"),
        (f"https://LinkedIn.com/jobs/view/{JOB_ID}/", "linkedin"),
        ("https://boards.greenhouse.io/acme/jobs/2256364", "greenhouse"),
        ("https://job-boards.greenhouse.io/acme/jobs/2256364", "greenhouse"),
        ("https://jobs.lever.co/acme/b578909c-4a75-41f2-bd57-5d17acfb2d5e", "lever"),
        ("https://jobs.ashbyhq.com/acme/0f6c1e9e-1111-2222-3333-444455556666", "ashby"),
        ("https://www.arbeitnow.com/jobs/companies/acme/python-dev-123", "arbeitnow"),
        ("https://apply.workable.com/acme/j/A1B2C3D4E5/", "workable"),
        ("https://jobs.smartrecruiters.com/AcmeHealth/744000067444685-data", "smartrecruiters"),
        ("https://acme.recruitee.com/o/python-developer", "recruitee"),
        ("https://acme.jobs.personio.de/job/1234567", "personio"),
        ("https://acme.jobs.personio.com/job/1234567?language=en", "personio"),
        ("https://careers.example.com/jobs/42", "import"),
        # A host that merely ends with a board's name is not that board.
        ("https://notlinkedin.com/jobs/view/3912345678", "import"),
        ("https://linkedin.com.evil.example/jobs/view/3912345678", "import"),
    ],
)
def test_source_for_link_by_host(link: str, source: str) -> None:
    assert source_for_link(link) == source


@pytest.mark.parametrize(
    ("link", "normalized"),
    [
        ("https://careers.example.com/jobs/42", "https://careers.example.com/jobs/42"),
        ("https://careers.example.com/jobs/42/", "https://careers.example.com/jobs/42"),
        ("HTTPS://Careers.Example.COM/jobs/42", "https://careers.example.com/jobs/42"),
        ("https://careers.example.com/jobs/42#apply", "https://careers.example.com/jobs/42"),
        ("  https://careers.example.com/jobs/42  ", "https://careers.example.com/jobs/42"),
        (
            "https://careers.example.com/jobs/42?utm_source=newsletter&utm_medium=email",
            "https://careers.example.com/jobs/42",
        ),
        (
            "https://careers.example.com/jobs/42/?ref=board&trk=x&gh_src=abc",
            "https://careers.example.com/jobs/42",
        ),
        # Meaningful parameters stay, in a stable order.
        (
            "https://careers.example.com/jobs?b=2&utm_campaign=x&a=1",
            "https://careers.example.com/jobs?a=1&b=2",
        ),
        ("https://careers.example.com", "https://careers.example.com/"),
        ("https://careers.example.com/", "https://careers.example.com/"),
    ],
)
def test_normalize_link(link: str, normalized: str) -> None:
    assert normalize_link(link) == normalized


def test_normalize_link_keeps_the_path_case() -> None:
    # Paths are case-sensitive on most servers; only scheme and host are folded.
    assert normalize_link("https://example.com/Jobs/ABC") == "https://example.com/Jobs/ABC"


def test_derive_identity_linkedin_forms_are_one_job() -> None:
    links = [
        f"https://www.linkedin.com/jobs/view/python-developer-at-acme-{JOB_ID}",
        f"https://www.linkedin.com/jobs/view/{JOB_ID}/",
        f"https://www.linkedin.com/jobs/search/?currentJobId={JOB_ID}",
        f"https://pl.linkedin.com/jobs/view/{JOB_ID}?trk=public_jobs_topcard",
    ]
    assert {derive_identity(link, None, None) for link in links} == {("linkedin", JOB_ID)}


def test_derive_identity_without_ids_uses_the_normalized_link() -> None:
    a = derive_identity("https://careers.example.com/jobs/42/?utm_source=x", None, None)
    b = derive_identity("https://careers.example.com/jobs/42", None, None)
    assert a == b == ("import", "https://careers.example.com/jobs/42")
    assert derive_identity("https://careers.example.com/jobs/43", None, None) != a


def test_derive_identity_prefers_given_values() -> None:
    assert derive_identity("https://careers.example.com/jobs/42", "Acme", " A-1 ") == (
        "acme",
        "A-1",
    )
    # A given external id wins over the one in a LinkedIn link.
    assert derive_identity(f"https://www.linkedin.com/jobs/view/{JOB_ID}/", None, "77") == (
        "linkedin",
        "77",
    )
    # Blank values count as absent.
    assert derive_identity(f"https://www.linkedin.com/jobs/view/{JOB_ID}/", "  ", "  ") == (
        "linkedin",
        JOB_ID,
    )


def test_derive_identity_given_source_with_link_id() -> None:
    # A source named in the row picks how the id is derived; case does not matter.
    assert derive_identity(f"https://www.linkedin.com/jobs/view/{JOB_ID}/", "LinkedIn", None) == (
        "linkedin",
        JOB_ID,
    )
    assert derive_identity("https://boards.greenhouse.io/acme/jobs/1", None, None) == (
        "greenhouse",
        "https://boards.greenhouse.io/acme/jobs/1",
    )


def test_derive_identity_linkedin_link_without_id_falls_back_to_link() -> None:
    link = "https://www.linkedin.com/jobs/search/?keywords=python&utm_source=share"
    assert derive_identity(link, None, None) == (
        "linkedin",
        "https://www.linkedin.com/jobs/search?keywords=python",
    )
