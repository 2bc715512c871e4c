"""Secrets never reach the logs: every record is redacted as it is made, whatever the
logger, the handler or the way the secret is written."""

from __future__ import annotations

import logging
import sys

import pytest

from dreamjobsearch.logging_setup import LINE_FORMAT, LineFormatter, redact_record

JWT = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJlLXZhbHVl"


def access_record(path: str) -> logging.LogRecord:
    """A uvicorn access-log record for a GET of `path`."""
    return logging.LogRecord(
        "uvicorn.access",
        logging.INFO,
        __file__,
        1,
        '%s - "%s %s HTTP/%s" %d',
        ("127.0.0.1:5000", "GET", path, "1.1", 200),
        None,
    )


def test_access_line_with_ticket_is_redacted() -> None:
    record = redact_record(access_record("/logs?ticket=s3cr3t-T1cket&x=1"))
    line = record.getMessage()
    assert "s3cr3t-T1cket" not in line
    assert "/logs?ticket=[redacted]&x=1" in line
    assert record.args is not None
    assert len(record.args) == 5  # uvicorn's access formatter unpacks the five arguments


@pytest.mark.parametrize(
    ("path", "kept"),
    [
        (f"/auth/status?access_token={JWT}", "/auth/status?access_token=[redacted]"),
        (f"/job-postings/{JWT}", "/job-postings/[redacted]"),
        ("/x?password=hunter2&keywords=python", "/x?password=[redacted]&keywords=python"),
        ("/x?api_key=AKIA123&client_secret=shh", "/x?api_key=[redacted]&client_secret=[redacted]"),
        ("/x?q=1&TOKEN=abc", "/x?q=1&TOKEN=[redacted]"),
    ],
)
def test_secret_parameters_and_tokens_are_redacted(path: str, kept: str) -> None:
    assert kept in redact_record(access_record(path)).getMessage()


def test_secrets_split_between_template_and_arguments_are_redacted() -> None:
    record = logging.LogRecord(
        "x", logging.INFO, __file__, 1, "login with password=%s by %s", ("hunter2", 7), None
    )
    assert redact_record(record).getMessage() == "login with password=[redacted] by 7"
    header = logging.LogRecord(
        "x", logging.INFO, __file__, 1, "header %s", (f"Authorization: Bearer {JWT}",), None
    )
    assert redact_record(header).getMessage() == "header Authorization: Bearer [redacted]"


def test_tracebacks_are_redacted() -> None:
    try:
        raise ValueError(f"bad URL https://example.com/?token={JWT}")
    except ValueError:
        record = logging.LogRecord(
            "x", logging.ERROR, __file__, 1, "request failed", (), sys.exc_info()
        )
    text = logging.Formatter().format(redact_record(record))
    assert "ValueError: bad URL https://example.com/?token=[redacted]" in text
    assert JWT not in text


def test_other_records_are_kept_unchanged() -> None:
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "run %s done", ("abc",), None)
    assert redact_record(record).getMessage() == "run abc done"
    numbers = logging.LogRecord("x", logging.INFO, __file__, 1, "%d of %d", (3, 4), None)
    assert redact_record(numbers).getMessage() == "3 of 4"


def test_a_secret_formed_by_two_arguments_is_redacted() -> None:
    # Neither argument is a secret alone; the formatted line is.
    record = logging.LogRecord(
        "x", logging.INFO, __file__, 1, "%s%s", ("password=", "hunter2"), None
    )
    assert redact_record(record).getMessage() == "password=[redacted]"


def test_arguments_of_any_kind_are_redacted() -> None:
    class Url:
        def __str__(self) -> str:
            return f"https://example.com/cb?code=abc123&access_token={JWT}"

    record = logging.LogRecord("x", logging.INFO, __file__, 1, "fetching %s", (Url(),), None)
    assert redact_record(record).getMessage() == (
        "fetching https://example.com/cb?code=[redacted]&access_token=[redacted]"
    )
    by_name = logging.LogRecord(
        "x",
        logging.INFO,
        __file__,
        1,
        "%(who)s sent %(header)s",
        ({"who": 7, "header": f"Bearer {JWT}"},),
        None,
    )
    assert redact_record(by_name).getMessage() == "7 sent Bearer [redacted]"


def test_line_times_read_as_the_standard_formatter_writes_them() -> None:
    ours, standard = LineFormatter(), logging.Formatter(LINE_FORMAT)
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "ready", (), None)
    # Lines within one second and across a second's boundary, each with its milliseconds.
    for created in (1_790_000_000.001, 1_790_000_000.999, 1_790_000_001.0, 1_790_000_000.5):
        record.created = created
        record.msecs = (created - int(created)) * 1000
        assert ours.format(record) == standard.format(record)
