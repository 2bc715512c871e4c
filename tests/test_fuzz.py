"""Fuzzing the JSON API with schemathesis, from the app's own OpenAPI document: every operation,
with a valid token and with none, a bounded number of generated requests each (CI stays fast).
No answer may be a 5xx, and every answer must match what the schema documents.

The server is a real `dreamjob serve` process (schemathesis calls it over HTTP). Operations
that would end the fuzzing user's session or account are left out: a logout or password
change would turn every later request into a 401 and prove nothing.
"""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import schemathesis
from conftest import TEST_SECRET
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from processes import DREAMJOB, free_port
from schemathesis import GenerationMode
from schemathesis.specs.openapi.checks import negative_data_rejection, positive_data_acceptance

EXAMPLES = Path(__file__).resolve().parent.parent / "examples" / "postings.json"
# Operations left out: those that end the fuzzer's session, and the log stream, which by
# design never ends (tests/test_logs.py covers it).
LEFT_OUT = r"^/(logout|me/password|sessions/logout-others|sessions/\{sid\}|logs)$"
# Our validation is stricter than JSON Schema can say (an email's domain must be deliverable,
# keywords are normalised), and unknown query parameters are ignored, as HTTP APIs do: the
# checks that expect the schema alone to decide acceptance are left out. Every other check
# runs: no 5xx, documented status codes, content types, headers and bodies, ignored auth.
NOT_APPLICABLE = [positive_data_acceptance, negative_data_rejection]
MAX_EXAMPLES = 12


class LiveApi:
    """A running server and a logged-in user with postings."""

    def __init__(self, base_url: str, token: str) -> None:
        self.base_url = base_url
        self.token = token


@pytest.fixture(scope="module")
def live_api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveApi]:
    """`dreamjob serve` on a free port, with a user who imported the example postings."""
    directory = tmp_path_factory.mktemp("fuzz")
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "DREAMJOB_DATA_DIR": str(directory / "data"),
        "DREAMJOB_JWT_SECRET": TEST_SECRET,
        "DREAMJOB_LOGIN_MAX_FAILURES": "100000",
        # Runs the fuzzer starts find no board (a closed local port) and end at once.
        **{
            f"DREAMJOB_{board}_BASE_URL": "http://127.0.0.1:9"
            for board in ("LINKEDIN", "GREENHOUSE", "LEVER", "ASHBY", "ARBEITNOW")
        },
    }
    with (directory / "serve.log").open("wb") as log:
        process = subprocess.Popen(
            [*DREAMJOB, "serve", "--port", str(port)], env=env, stdout=log, stderr=log
        )
        try:
            token = _prepare(base_url)
            yield LiveApi(base_url, token)
        finally:
            process.kill()
            process.wait(timeout=15)


def _prepare(base_url: str) -> str:
    deadline = time.monotonic() + 30
    with httpx.Client(base_url=base_url, timeout=10) as client:
        while True:
            try:
                if client.get("/healthz").status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "the server did not start"
            time.sleep(0.2)
        registered = client.post(
            "/register", json={"email": "fuzzer@example.com", "password": "fuzzing passphrase"}
        )
        token: str = registered.json()["access_token"]
        imported = client.post(
            "/job-postings/import",
            content=EXAMPLES.read_bytes(),
            headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        )
        assert imported.status_code == 201, imported.text
        return token


def fuzz(live_api: LiveApi, headers: dict[str, str]) -> list[str]:
    """Generated requests against every operation (both valid and invalid input); the
    failures, one line per operation. (schemathesis's own pytest loader predates pytest 9,
    so operations are driven through hypothesis here.)"""
    schema = schemathesis.openapi.from_url(f"{live_api.base_url}/openapi.json").exclude(
        path_regex=LEFT_OUT
    )
    failures = []
    for result in schema.get_all_operations():
        operation = result.ok()
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            @given(case=operation.as_strategy(generation_mode=mode))
            @FUZZ_SETTINGS
            def call(case: schemathesis.Case) -> None:
                case.call_and_validate(
                    base_url=live_api.base_url, headers=headers, excluded_checks=NOT_APPLICABLE
                )

            try:
                call()
            except Unsatisfiable:
                continue  # nothing to make invalid (an operation without any input)
            # schemathesis reports failures as a (Base)ExceptionGroup: collect them all.
            except (Exception, BaseExceptionGroup) as error:
                failures.append(f"{operation.label} ({mode.value}): {_describe(error)}")
    return failures


def _describe(error: BaseException) -> str:
    """Each distinct failure's first line (and the request that caused the first)."""
    found = error.exceptions if isinstance(error, BaseExceptionGroup) else [error]
    lines = [f"{type(each).__name__}: {' '.join(str(each).split())[:300]}" for each in found]
    return " | ".join(lines)


FUZZ_SETTINGS = settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    database=None,
    print_blob=True,
    # The same examples on every run, so that CI is repeatable; raise MAX_EXAMPLES and drop
    # this locally to search wider.
    derandomize=True,
)


def test_authenticated_requests_never_fail_the_server_or_the_schema(live_api: LiveApi) -> None:
    failures = fuzz(live_api, {"Authorization": f"Bearer {live_api.token}"})
    assert failures == [], "\n".join(failures)


def test_anonymous_requests_never_fail_the_server_or_the_schema(live_api: LiveApi) -> None:
    failures = fuzz(live_api, {})
    assert failures == [], "\n".join(failures)
