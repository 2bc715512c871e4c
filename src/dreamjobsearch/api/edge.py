"""What every HTTP request passes first, in one pure ASGI layer: the body size limit on the
way in and the security headers on the way out (streams pass untouched).

One layer instead of two: each ASGI middleware costs every request a call, a closure and a
wrapped `send`, and these two need nothing from each other.

**Body size.** Bodies over `max_bytes` are refused with 413, by their declared length before
the app runs, and by the bytes actually received while the body streams in (a client may
declare nothing, or lie).

**Security headers.** JSON answers are never to be sniffed as HTML, framed, or given a
referrer; they get a CSP that allows nothing, since no page should ever be rendered from
them. Responses that set a header themselves keep theirs: the web pages and the API
reference (`/docs`) send their own CSP. Every answer but a static asset is
`Cache-Control: no-store`: nearly all of them show a user's own data (postings, sessions,
exports, tickets), and a rule for all of them cannot miss a new endpoint, so neither the
browser nor a proxy keeps a copy.
"""

from __future__ import annotations

from collections.abc import Iterable

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

# Where postings are imported: a body too large for them is told of the command line,
# which reads a file of any size a piece at a time.
IMPORT_PATHS = ("/job-postings/import", "/web/import")
IMPORT_HINT = "; import a larger file with the command line: dreamjob import FILE --email EMAIL"
# The web UI's CSS and scripts: the same for everyone, so they may be cached.
STATIC_PATHS = ("/static/",)
BASE_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Opener-Policy": "same-origin",
}
API_CSP = "default-src 'none'; frame-ancestors 'none'"
NO_STORE = "no-store"

Header = tuple[bytes, bytes]


def _encoded(name: str, value: str) -> Header:
    return name.lower().encode("latin-1"), value.encode("latin-1")


_STATIC = (
    *(_encoded(name, value) for name, value in BASE_HEADERS.items()),
    _encoded("Content-Security-Policy", API_CSP),
)
_ANSWER = (*_STATIC, _encoded("Cache-Control", NO_STORE))


def _security_headers(path: str) -> tuple[Header, ...]:
    """The headers an answer to `path` gets where it does not set them itself."""
    return _STATIC if path.startswith(STATIC_PATHS) else _ANSWER


_SECURITY_NAMES = frozenset(name for name, _value in _ANSWER)


def _with_security_headers(headers: Iterable[Header], added: tuple[Header, ...]) -> list[Header]:
    """`headers`, then each of `added` whose name they do not have."""
    own = list(headers)
    for name, _value in own:
        if name.lower() in _SECURITY_NAMES:
            # A page or the API reference sets some of its own: they are kept.
            present = {name.lower() for name, _value in own}
            own.extend(header for header in added if header[0] not in present)
            return own
    own.extend(added)
    return own


class EdgeMiddleware:
    """Refuses bodies over `max_bytes` (413) and adds the security headers to each answer."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Check the declared length, count the bytes received, add headers to the start."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        added = _security_headers(scope["path"])

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = _with_security_headers(message.get("headers", ()), added)
            await send(message)

        for name, value in scope["headers"]:
            if name == b"content-length" and value.isdigit() and int(value) > self.max_bytes:
                await _too_large(send_with_headers, _message(self.max_bytes, scope["path"]))
                return
        await self.app(scope, self._limited(receive, scope["path"]), send_with_headers)

    def _limited(self, receive: Receive, path: str) -> Receive:
        """`receive`, raising 413 once the body's bytes pass the limit."""
        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    # An HTTPException, because FastAPI turns any other error raised while it
                    # reads a body into "400 There was an error parsing the body".
                    raise HTTPException(413, _message(self.max_bytes, path))
            return message

        return limited_receive


def _message(max_bytes: int, path: str) -> str:
    hint = IMPORT_HINT if path in IMPORT_PATHS else ""
    return f"request body too large: at most {max_bytes} bytes{hint}"


async def _too_large(send: Send, message: str) -> None:
    body = ('{"detail": "' + message + '"}').encode()
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
