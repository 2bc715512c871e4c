"""Security headers on every response, as a pure ASGI middleware (streams pass untouched).

JSON answers are never to be sniffed as HTML, framed, or given a referrer; they get a CSP
that allows nothing, since no page should ever be rendered from them. Responses that set a
header themselves keep theirs (the web pages send their own CSP), and the interactive API
docs, which load Swagger UI's scripts, get no CSP from here.

Every answer but a static asset is `Cache-Control: no-store`: nearly all of them show a
user's own data (postings, sessions, exports, tickets), and a rule for all of them cannot
miss a new endpoint, so neither the browser nor a proxy keeps a copy.
"""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

DOCS_PATHS = ("/docs", "/redoc")
# The web UI's CSS and scripts: the same for everyone, so they may be cached.
STATIC_PATHS = ("/static/",)
BASE_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Opener-Policy": "same-origin",
}
API_CSP = "default-src 'none'; frame-ancestors 'none'"


class SecurityHeadersMiddleware:
    """Adds `BASE_HEADERS`, `no-store` outside static assets and a deny-all CSP outside the
    docs, where not already set."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass the request on; add the headers to the response's start."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = str(scope.get("path", ""))
        is_docs = path.startswith(DOCS_PATHS)
        is_static = path.startswith(STATIC_PATHS)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in BASE_HEADERS.items():
                    headers.setdefault(name, value)
                if not is_docs:
                    headers.setdefault("Content-Security-Policy", API_CSP)
                if not is_static:
                    headers.setdefault("Cache-Control", "no-store")
            await send(message)

        await self.app(scope, receive, send_with_headers)
