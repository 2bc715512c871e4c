"""Process logging: one format, and no secret written to the logs.

Log stream tickets are redacted from uvicorn's access lines. Libraries that log the
parameters of every statement or the headers of every request (database drivers, SQLAlchemy's
engine, the HTTP/2 and HTTP/1 internals) would print session ids, password hashes and sealed
secrets at DEBUG or INFO: they are held at WARNING whatever `LOG_LEVEL` says, which is meant
for our own code and uvicorn's.
"""

from __future__ import annotations

import logging
import re

_TICKET = re.compile(r"(ticket=)[^&\s\"]+")


class RedactTicketsFilter(logging.Filter):
    """Replaces `ticket=...` in a record's arguments (uvicorn's access log prints URLs)."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Redact, and always keep the record."""
        if isinstance(record.args, tuple):
            record.args = tuple(
                _TICKET.sub(r"\1[redacted]", arg) if isinstance(arg, str) else arg
                for arg in record.args
            )
        return True


# Loggers that print statement parameters or request headers.
VERBOSE_LIBRARIES = ("aiosqlite", "sqlalchemy", "psycopg", "httpcore", "hpack", "multipart")


def configure_logging(level: str) -> None:
    """Log to stderr at `level`, with tickets redacted and parameter-printing libraries
    kept quiet."""
    logging.basicConfig(
        level=level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    for name in VERBOSE_LIBRARIES:
        logging.getLogger(name).setLevel(logging.WARNING)
    logging.getLogger("uvicorn.access").addFilter(RedactTicketsFilter())
