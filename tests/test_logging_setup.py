"""Log stream tickets never reach the logs, even in uvicorn's access lines."""

from __future__ import annotations

import logging

from dreamjobsearch.logging_setup import RedactTicketsFilter


def test_access_line_with_ticket_is_redacted() -> None:
    record = logging.LogRecord(
        "uvicorn.access",
        logging.INFO,
        __file__,
        1,
        '%s - "%s %s HTTP/%s" %d',
        ("127.0.0.1:5000", "GET", "/logs?ticket=s3cr3t-T1cket&x=1", "1.1", 200),
        None,
    )
    assert RedactTicketsFilter().filter(record) is True
    line = record.getMessage()
    assert "s3cr3t-T1cket" not in line
    assert "/logs?ticket=[redacted]&x=1" in line


def test_other_records_are_kept_unchanged() -> None:
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "run %s done", ("abc",), None)
    assert RedactTicketsFilter().filter(record) is True
    assert record.getMessage() == "run abc done"
