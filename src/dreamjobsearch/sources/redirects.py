"""Which redirects a board fetcher may follow: only within the board's own host.

A board that answers a redirect could otherwise send our server anywhere: to another site,
or to an address only the server can reach (a cloud metadata endpoint such as
169.254.169.254, a database on localhost, a service on the private network). So a redirect
is followed only to the same host name, over HTTP(S), and never from HTTPS down to HTTP.
Since a redirect never leaves the board's host, it reaches a private, loopback or link-local
address only when the board's own configured address is one (boards served from 127.0.0.1
in tests, or a mirror on the intranet).
"""

from __future__ import annotations

from urllib.parse import urlsplit

# Redirects in a row that one request may follow before it is given up.
MAX_REDIRECTS = 5
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})


def refused_redirect(origin: str, target: str) -> str | None:
    """Why a redirect from URL `origin` to absolute URL `target` must not be followed
    (None when it may be)."""
    source, destination = urlsplit(origin), urlsplit(target)
    if destination.scheme not in ("http", "https"):
        return f"to a {destination.scheme!r} address"
    if source.scheme == "https" and destination.scheme != "https":
        return "from HTTPS down to HTTP"
    target_host = (destination.hostname or "").lower()
    if target_host != (source.hostname or "").lower():
        return f"to another host ({target_host or 'none'})"
    return None
