"""Static files (CSS, JS, the vendored htmx) served with the security headers."""

from __future__ import annotations

from pathlib import Path

from starlette.staticfiles import StaticFiles
from starlette.types import Message, Receive, Scope, Send

from dreamjobsearch.web.headers import STATIC_HEADERS

STATIC_DIR = Path(__file__).resolve().parent / "static"


class StaticAssets(StaticFiles):
    """`StaticFiles` that marks every answer `nosniff` and same-origin only."""

    def __init__(self) -> None:
        super().__init__(directory=STATIC_DIR)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Serve the file, adding the headers to the response's start."""

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers.extend(
                    (name.lower().encode(), value.encode())
                    for name, value in STATIC_HEADERS.items()
                )
                message = {**message, "headers": headers}
            await send(message)

        await super().__call__(scope, receive, send_with_headers)
