"""Process logging: one format, and log stream tickets never written to the logs."""

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


def configure_logging(level: str) -> None:
    """Log to stderr at `level`, with tickets redacted from access lines."""
    logging.basicConfig(
        level=level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    logging.getLogger("uvicorn.access").addFilter(RedactTicketsFilter())
