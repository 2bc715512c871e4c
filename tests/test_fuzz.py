"""Fuzzing the JSON API with schemathesis, from the app's own OpenAPI document: every operation,
with a valid token and with none, a bounded number of generated requests each (CI stays fast).
No answer may be a 5xx, and every answer must match what the schema documents.

Strings with invalid Unicode are sent too: a third pass takes valid requests and puts a lone
surrogate (JSON's `\ud83d` escape) or a NUL into one string of the body, or a NUL into one
string parameter; every such request must be refused with 422, never stored or a 5xx.

The server is a real `dreamjob serve` process (schemathesis calls it over HTTP). Operations
that would end the fuzzing user's session or account are left out: a logout or password
change would turn every later request into a 401 and prove nothing.
"""

from __future__ import annotations

import copy
import json
import os
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import schemathesis
from conftest import TEST_SECRET, seed_data_dir
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from processes import DREAMJOB, boards_nowhere, free_port
from schemathesis import GenerationMode
from schemathesis.specs.openapi.checks import negative_data_rejection, positive_data_acceptance

# Property-based fuzzing of a real server process.
pytestmark = pytest.mark.slow

EXAMPLES = Path(__file__).resolve().parent.parent / "examples" / "postings.json"
# Operations left out: those that end the fuzzer's session, and the log stream, which by
# design never ends (tests/test_logs.py covers it).
LEFT_OUT = r"^/(logout|me/password|sessions/logout-others|sessions/\{sid\}|logs)$"
# Our validation is stricter than JSON Schema can say (an email's domain must be deliverable,
# keywords are normalised), and unknown query parameters are ignored, as HTTP APIs do: the
# checks that expect the schema alone to decide acceptance are left out. Every other check
# runs: no 5xx, documented status codes, content types, headers and bodies, ignored auth.
NOT_APPLICABLE = [positive_data_acceptance, negative_data_rejection]
MAX_EXAMPLES = 8
LONE_SURROGATE = "\ud83d"
# A URL cannot carry a lone surrogate (it is not UTF-8): parameters get the NUL only.
BODY_INVALID = (LONE_SURROGATE, "\x00")
PARAMETER_INVALID = ("\x00",)


class LiveApi:
    """A running server and a logged-in user with postings."""

    def __init__(self, base_url: str, token: str) -> None:
        self.base_url = base_url
        self.token = token


@pytest.fixture(scope="module")
def live_api(
    tmp_path_factory: pytest.TempPathFactory, migrated_database: bytes
) -> Iterator[LiveApi]:
    """`dreamjob serve` on a free port, with a user who imported the example postings."""
    directory = tmp_path_factory.mktemp("fuzz")
    seed_data_dir(directory / "data", migrated_database)
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "DREAMJOB_DATA_DIR": str(directory / "data"),
        "DREAMJOB_JWT_SECRET": TEST_SECRET,
        "DREAMJOB_LOGIN_MAX_FAILURES": "100000",
        # Runs the fuzzer starts find no board (a closed local port) and end at once.
        **boards_nowhere(),
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


def fuzz_invalid_text(live_api: LiveApi, headers: dict[str, str]) -> list[str]:
    """Valid requests with invalid Unicode in one string, against every operation that takes
    a string; each must answer 422. The failures, one line per operation."""
    schema = schemathesis.openapi.from_url(f"{live_api.base_url}/openapi.json").exclude(
        path_regex=LEFT_OUT
    )
    failures = []
    for result in schema.get_all_operations():
        operation = result.ok()
        strategy = operation.as_strategy(generation_mode=GenerationMode.POSITIVE)

        @given(case=strategy.flatmap(with_invalid_text))
        @INVALID_TEXT_SETTINGS
        def call(case: schemathesis.Case | None) -> None:
            if case is None:
                return  # no string to spoil
            response = case.call_and_validate(
                base_url=live_api.base_url, headers=headers, excluded_checks=NOT_APPLICABLE
            )
            assert response.status_code == 422, response.text

        try:
            call()
        except (Exception, BaseExceptionGroup) as error:
            failures.append(f"{operation.label} (invalid text): {_describe(error)}")
    return failures


def with_invalid_text(case: schemathesis.Case) -> st.SearchStrategy[schemathesis.Case | None]:
    """`case` with invalid Unicode put into one of its strings; None when it has no string.

    None rather than no example at all: an operation without strings would leave hypothesis
    drawing cases until it gives up (`Unsatisfiable`), over 20 s for all of them."""
    spots = [("query", (name,)) for name in _strings(case.query or {})]
    spots += [("path_parameters", (name,)) for name in _strings(case.path_parameters or {})]
    if case.media_type == "application/json":
        spots += [("body", path) for path in _string_paths(case.body)]
    if not spots:
        return st.none()
    return st.sampled_from(spots).flatmap(
        lambda spot: st.sampled_from(BODY_INVALID if spot[0] == "body" else PARAMETER_INVALID).map(
            lambda bad: _spoiled(case, spot[0], spot[1], bad)
        )
    )


def _strings(parameters: dict[str, Any]) -> list[str]:
    return [name for name, value in parameters.items() if isinstance(value, str)]


def _string_paths(data: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Where the strings of a JSON value are, as key and index paths."""
    if isinstance(data, str):
        return [path]
    if isinstance(data, dict):
        return [p for key, value in data.items() for p in _string_paths(value, (*path, key))]
    if isinstance(data, list):
        return [p for index, value in enumerate(data) for p in _string_paths(value, (*path, index))]
    return []


def _spoiled(
    case: schemathesis.Case, container: str, path: tuple[Any, ...], bad: str
) -> schemathesis.Case:
    """`case` with `bad` inserted in the string at `path` of `container`. A body is sent as
    already serialized JSON, escaped as a lone surrogate must be."""
    root = copy.deepcopy(getattr(case, container))
    if path:
        parent = root
        for key in path[:-1]:
            parent = parent[key]
        parent[path[-1]] = parent[path[-1]][:1] + bad + parent[path[-1]][1:]
    else:
        root = root + bad
    if container == "body":
        root = json.dumps(root, ensure_ascii=True).encode()
    setattr(case, container, root)
    return case


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
# Fewer examples: each only needs to reach the server's one check.
INVALID_TEXT_SETTINGS = settings(FUZZ_SETTINGS, max_examples=MAX_EXAMPLES // 3)


def test_authenticated_requests_never_fail_the_server_or_the_schema(live_api: LiveApi) -> None:
    failures = fuzz(live_api, {"Authorization": f"Bearer {live_api.token}"})
    assert failures == [], "\n".join(failures)


def test_anonymous_requests_never_fail_the_server_or_the_schema(live_api: LiveApi) -> None:
    failures = fuzz(live_api, {})
    assert failures == [], "\n".join(failures)


def test_invalid_unicode_is_always_refused(live_api: LiveApi) -> None:
    failures = fuzz_invalid_text(live_api, {"Authorization": f"Bearer {live_api.token}"})
    assert failures == [], "\n".join(failures)
