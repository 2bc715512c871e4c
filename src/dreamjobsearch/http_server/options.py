"""The connection limits `dreamjob serve` gives uvicorn, in one place."""

from __future__ import annotations

import logging
import resource
from typing import Any

from dreamjobsearch.config import Settings
from dreamjobsearch.http_server.protocol import guarded_protocol

logger = logging.getLogger(__name__)

# Descriptors kept free for what is not a client connection: database and Redis
# connections, log and data files, the listening socket.
RESERVED_FILES = 100


def connection_options(settings: Settings) -> dict[str, Any]:
    """uvicorn keyword arguments that bound headers, connections and requests in progress."""
    return {
        # h11, because httptools puts no limit on a header's size.
        "http": guarded_protocol(settings.header_timeout, settings.max_connections),
        "h11_max_incomplete_event_size": settings.max_header_bytes,
        "limit_concurrency": settings.limit_concurrency,
        "timeout_keep_alive": settings.keep_alive_timeout,
        # No `server: uvicorn` on every answer: it tells a scanner what to try, and no
        # client needs it.
        "server_header": False,
    }


def raise_open_files_limit(max_connections: int) -> int:
    """Lift this process's descriptor limit to the hard limit; returns the soft limit now.

    Warns when even that leaves too few descriptors for `max_connections` connections: past
    the limit, accepting a connection fails and so does everything else that opens a file.
    """
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != hard:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
            soft = hard
        except (ValueError, OSError):
            logger.warning("could not raise the open files limit above %d", soft)
    if soft != resource.RLIM_INFINITY and soft < max_connections + RESERVED_FILES:
        logger.warning(
            "open files limit %d is too low for MAX_CONNECTIONS=%d: lower MAX_CONNECTIONS "
            "or raise the limit (ulimit -n)",
            soft,
            max_connections,
        )
    return soft
