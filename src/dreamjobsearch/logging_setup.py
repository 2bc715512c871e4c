"""Process logging: one format, and no secret written to the logs.

Every record is redacted as it is made (a log record factory, so records of every logger
and every handler are covered, uvicorn's access and error logs included, whoever configures
their handlers later): JSON Web Tokens, `Bearer` credentials, and the values of query or
form parameters whose name says they hold a secret (`access_token`, `ticket`, `password`,
`api_key`, ...) become `[redacted]`, in the message, its arguments and any traceback.

Libraries that log the parameters of every statement or the headers of every request
(database drivers, SQLAlchemy's engine, the HTTP/2 and HTTP/1 internals) would print session
ids, password hashes and sealed secrets at DEBUG or INFO: they are held at WARNING whatever
`LOG_LEVEL` says, which is meant for our own code and uvicorn's.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Iterable
from typing import Any

REDACTED = "[redacted]"
# The words that end a secret-bearing parameter's name: `token`, `access_token`,
# `x-api-key`, `client_secret`... (`keywords` or `tokenizer` are not secret).
_SENSITIVE_NAME = (
    r"(?:[A-Za-z0-9]+[_.-])*"
    r"(?:token|ticket|password|passwd|pwd|pass|secret|key|apikey|api_key|code|signature|sig"
    r"|auth|authorization|credentials?|session|sessionid|sid|jwt)"
)
_PATTERNS = (
    # A JWT: base64url JSON header (`{"` is `eyJ`), payload and signature.
    (re.compile(r"eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*"), REDACTED),
    (re.compile(r"(?i)(\bbearer\s+)[^\s\"',;]+"), r"\1" + REDACTED),
    (
        re.compile(rf"(?i)(?<![A-Za-z0-9_.-])({_SENSITIVE_NAME}=)[^&\s\"',;#]+"),
        r"\1" + REDACTED,
    ),
)


# Each pattern above needs one of these: most texts (an access line's method, path and
# status) have none, and cost one scan instead of three substitutions.
_MAY_HOLD_SECRET = re.compile(r"(?i)eyJ|bearer|=")


def redact(text: str) -> str:
    """`text` with every JWT, bearer credential and secret parameter value replaced."""
    if not _MAY_HOLD_SECRET.search(text):
        return text
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


def _redact_arg(value: Any) -> Any:
    # Numbers stay numbers (`%d` needs them); anything else is redacted as text if its
    # text holds a secret.
    if isinstance(value, bool | int | float) or value is None:
        return value
    text = value if isinstance(value, str) else str(value)
    cleaned = redact(text)
    return value if cleaned == text and not isinstance(value, str) else cleaned


def _arguments(record: logging.LogRecord) -> Iterable[Any]:
    if isinstance(record.args, tuple):
        return record.args
    if isinstance(record.args, dict):
        return record.args.values()
    return ()


def _may_hold_secret(record: logging.LogRecord) -> bool:
    """Whether the record's template or an argument holds a mark of a secret: one scan of
    their texts joined (no mark holds a line break, so none spans two). Most records, an
    access line of a plain path among them, have none and are left as they are."""
    texts = "\n".join(map(str, (record.msg, *_arguments(record))))
    return _MAY_HOLD_SECRET.search(texts) is not None


def redact_record(record: logging.LogRecord) -> logging.LogRecord:
    """Redact a record's arguments, message and traceback in place; return it."""
    if record.exc_info and not record.exc_text:
        # Exception messages may quote a URL or a header: format the traceback now, redacted.
        record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
    if not _may_hold_secret(record):
        return record
    if isinstance(record.args, tuple):
        record.args = tuple(_redact_arg(arg) for arg in record.args)
    elif isinstance(record.args, dict):
        record.args = {key: _redact_arg(arg) for key, arg in record.args.items()}
    try:
        message = record.getMessage()
    except (TypeError, ValueError):
        return record  # a malformed call: logging reports it when the record is written
    if (cleaned := redact(message)) != message:
        # The secret spans the template and an argument (`"password=%s"`): keep the
        # formatted, redacted text. (uvicorn's access lines never get here: their
        # template holds no parameter, and their arguments were redacted above.)
        record.msg, record.args = cleaned, ()
    return record


def _install_redacting_factory() -> None:
    """Make every new log record pass through `redact_record` (once per process)."""
    previous = logging.getLogRecordFactory()
    if getattr(previous, "redacts", False):
        return

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        return redact_record(previous(*args, **kwargs))

    factory.redacts = True  # type: ignore[attr-defined]
    logging.setLogRecordFactory(factory)


# Loggers that print statement parameters or request headers.
VERBOSE_LIBRARIES = ("aiosqlite", "sqlalchemy", "psycopg", "httpcore", "hpack", "multipart")


LINE_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class LineFormatter(logging.Formatter):
    """The standard formatter, whose date and time text is made once a second.

    Every request writes an access line, and `time.strftime` of the local time cost
    1.5-2 us of the line's 14 (in process, to /dev/null); the text of a second is the same
    for all its lines. The milliseconds are added per line, as the standard `formatTime`
    adds them.
    """

    def __init__(self, fmt: str = LINE_FORMAT) -> None:
        super().__init__(fmt)
        # (second, its text), replaced as one value, so threads never see half an update.
        self._second: tuple[int, str] = (-1, "")

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:
        """`YYYY-MM-DD HH:MM:SS,mmm` in local time, as `logging.Formatter` writes it."""
        if datefmt is not None:
            return super().formatTime(record, datefmt)
        whole = int(record.created)
        second, text = self._second
        if second != whole:
            text = time.strftime(self.default_time_format, self.converter(whole))
            self._second = (whole, text)
        if self.default_msec_format:
            return self.default_msec_format % (text, record.msecs)
        return text


def configure_logging(level: str) -> None:
    """Log to stderr at `level`, with secrets redacted from every record and
    parameter-printing libraries kept quiet."""
    handler = logging.StreamHandler()
    handler.setFormatter(LineFormatter())
    # `basicConfig` leaves a root logger that has handlers already (a test, a host) as it is.
    logging.basicConfig(level=level.upper(), handlers=[handler])
    for name in VERBOSE_LIBRARIES:
        logging.getLogger(name).setLevel(logging.WARNING)
    _skip_unused_record_fields()
    _install_redacting_factory()


def _skip_unused_record_fields() -> None:
    """Stop filling the record fields our format never prints: the caller's file and line
    (a walk up the stack), the thread, the process and its name. The logging HOWTO's
    "Optimization" section names these switches; every request's access line is a record,
    so they are saved on every request."""
    logging._srcfile = None  # documented in the HOWTO; there is no public setter
    logging.logThreads = False
    logging.logProcesses = False
    logging.logMultiprocessing = False
