"""The source catalog: how users name a source (short forms, careers-page addresses, request
objects), the request schema it makes, and each source's base URL setting."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from dreamjobsearch.config import Settings
from dreamjobsearch.errors import InvalidInputError
from dreamjobsearch.params.update import UpdateParams
from dreamjobsearch.sources.catalog import base_urls, parse_source, source_fields

# No DREAMJOB_* variable of the machine running the tests leaks in; no stray .env.
pytestmark = pytest.mark.usefixtures("clean_environment")


@pytest.mark.parametrize(
    ("text", "fields"),
    [
        ("linkedin", {"type": "linkedin"}),
        ("arbeitnow", {"type": "arbeitnow"}),
        ("greenhouse:acme", {"type": "greenhouse", "board": "acme"}),
        (" Lever : acme-robotics ", {"type": "lever", "board": "acme-robotics"}),
        ("file:postings.json", {"type": "file", "path": "postings.json"}),
        ("https://boards.greenhouse.io/acme", {"type": "greenhouse", "board": "acme"}),
        ("job-boards.greenhouse.io/acme/jobs/123", {"type": "greenhouse", "board": "acme"}),
        ("https://jobs.lever.co/acme-robotics/", {"type": "lever", "board": "acme-robotics"}),
        ("https://JOBS.ASHBYHQ.COM/acme?utm_source=x", {"type": "ashby", "board": "acme"}),
        ("workable:acme", {"type": "workable", "board": "acme"}),
        ("https://apply.workable.com/acme/", {"type": "workable", "board": "acme"}),
        ("apply.workable.com/acme/j/A1B2C3D4E5/", {"type": "workable", "board": "acme"}),
        ("https://acme.workable.com", {"type": "workable", "board": "acme"}),
        ("smartrecruiters:AcmeHealth", {"type": "smartrecruiters", "board": "AcmeHealth"}),
        (
            "https://jobs.smartrecruiters.com/AcmeHealth/744000067444685-senior-backend",
            {"type": "smartrecruiters", "board": "AcmeHealth"},
        ),
        (
            "careers.smartrecruiters.com/AcmeHealth",
            {"type": "smartrecruiters", "board": "AcmeHealth"},
        ),
    ],
)
def test_short_forms_and_careers_addresses_name_a_source(text: str, fields: dict[str, str]) -> None:
    assert source_fields(text) == fields
    assert parse_source(text).model_dump() == fields


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("monster:acme", "write a board as greenhouse:NAME, lever:NAME, ashby:NAME"),
        ("greenhouse", "name the board: greenhouse:NAME"),
        ("greenhouse:", "name the board: greenhouse:NAME"),
        ("linkedin:acme", "linkedin takes no name"),
        ("file:", "name the file: file:FILE"),
        ("https://careers.example.com/acme", "is not the address of a company board"),
        ("https://jobs.lever.co/", "is not the address of a company board"),
        # A job's short link names no account.
        ("https://apply.workable.com/j/A1B2C3D4E5", "is not the address of a company board"),
    ],
)
def test_a_text_naming_no_source_says_what_to_write(text: str, problem: str) -> None:
    with pytest.raises(InvalidInputError, match=problem):
        source_fields(text)


def test_a_bad_board_name_is_refused_by_the_request_schema() -> None:
    with pytest.raises(ValidationError, match="board"):
        parse_source("greenhouse:-acme")


def test_requests_name_sources_as_objects_as_before() -> None:
    params = UpdateParams.model_validate(
        {
            "queries": ["python"],
            "sources": [
                {"type": "linkedin"},
                {"type": "greenhouse", "board": "acme"},
                {"type": "file", "path": "postings.json"},
            ],
        }
    )

    assert params.model_dump(mode="json")["sources"] == [
        {"type": "linkedin"},
        {"type": "greenhouse", "board": "acme"},
        {"type": "file", "path": "postings.json"},
    ]
    assert [spec.display_name() for spec in params.sources or ()] == [
        "LinkedIn",
        "the Greenhouse board acme",
        "your file postings.json",
    ]
    for wrong in ({"type": "lever"}, {"type": "linkedin", "board": "x"}, {"type": "monster"}):
        with pytest.raises(ValidationError):
            UpdateParams.model_validate({"queries": ["python"], "sources": [wrong]})


def test_the_request_schema_is_a_union_discriminated_by_type() -> None:
    schema = UpdateParams.model_json_schema()
    sources = schema["properties"]["sources"]["anyOf"][0]["items"]

    assert sources["discriminator"]["propertyName"] == "type"
    assert set(sources["discriminator"]["mapping"]) == {
        "linkedin",
        "greenhouse",
        "lever",
        "ashby",
        "workable",
        "smartrecruiters",
        "recruitee",
        "personio",
        "arbeitnow",
        "file",
    }
    greenhouse = schema["$defs"]["GreenhouseSourceSpec"]
    assert greenhouse["required"] == ["type", "board"]


def test_base_urls_default_to_the_real_services() -> None:
    urls = base_urls(Settings(_env_file=None).base_urls)

    assert urls["greenhouse"] == "https://boards-api.greenhouse.io"
    assert urls["linkedin"] == "https://www.linkedin.com"
    assert "file" not in urls


def test_base_url_settings_keep_their_names(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("DREAMJOB_GREENHOUSE_BASE_URL", "http://127.0.0.1:8001")
    (tmp_path / ".env").write_text(
        "DREAMJOB_LEVER_BASE_URL=http://127.0.0.1:8002\n"
        "DREAMJOB_GREENHOUSE_BASE_URL=http://127.0.0.1:9999\n",
        encoding="utf-8",
    )

    urls = base_urls(Settings(ashby_base_url="http://127.0.0.1:8003").base_urls)

    # The environment wins over the .env file, as for every setting.
    assert urls["greenhouse"] == "http://127.0.0.1:8001"
    assert urls["lever"] == "http://127.0.0.1:8002"
    assert urls["ashby"] == "http://127.0.0.1:8003"
    assert urls["arbeitnow"] == "https://www.arbeitnow.com"


def test_an_argument_wins_over_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DREAMJOB_LEVER_BASE_URL", "http://127.0.0.1:8002")

    settings = Settings(_env_file=None, lever_base_url="http://127.0.0.1:8004")

    assert base_urls(settings.base_urls)["lever"] == "http://127.0.0.1:8004"


def test_a_base_url_setting_naming_no_source_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DREAMJOB_GREENHOSE_BASE_URL", "http://127.0.0.1:8001")

    with pytest.raises(ValueError, match="DREAMJOB_GREENHOSE_BASE_URL: no such source"):
        base_urls(Settings(_env_file=None).base_urls)
