"""uvicorn's h11 protocol with the limits it lacks: header deadline, connection cap, JSON refusals.

uvicorn bounds the size of a request's headers only with h11 (httptools has no bound), and
bounds neither how long they may take to arrive nor how many connections stay open. One
`GuardedH11Protocol` instance serves one connection; the class attributes, set by
`guarded_protocol`, are the server-wide limits.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import re
from typing import Any, ClassVar

import h11
from uvicorn._types import ASGIReceiveCallable, ASGISendCallable, Scope
from uvicorn.config import Config
from uvicorn.protocols.http.h11_impl import H11Protocol
from uvicorn.server import ServerState

# When each connection last became idle, in order: the loop's clock has millisecond steps,
# so connections accepted together would tie.
_IDLE_ORDER = itertools.count()
# Seconds a refused client is told to wait before trying again.
RETRY_AFTER = 5


def guarded_protocol(header_timeout: float, max_connections: int) -> type[GuardedH11Protocol]:
    """The protocol class for uvicorn's `http=`, carrying the limits uvicorn has no option for.

    The header size limit is uvicorn's `h11_max_incomplete_event_size` and the request
    limit its `limit_concurrency`.
    """
    return type(
        "GuardedH11Protocol",
        (GuardedH11Protocol,),
        {"header_timeout": header_timeout, "max_connections": max_connections},
    )


class GuardedH11Protocol(H11Protocol):
    """One HTTP/1.1 connection, closed when it hogs what every other client needs.

    - A request line and headers over `h11_max_incomplete_event_size` bytes: closed after
      414 when the request line alone is over (its URL is too long), else 431.
    - Headers not complete `header_timeout` seconds after the connection opened, or after
      the first byte of a later request on it arrived (slowloris): closed.
    - More than `limit_concurrency` requests in progress in the process: 503 JSON.
    - Over `max_connections` open connections: the one idle longest (between requests, or
      still sending its headers) is closed to make room; with none idle, the new one gets
      503 and is closed.
    """

    header_timeout: ClassVar[float] = 10.0
    max_connections: ClassVar[int] = 1000

    def __init__(
        self,
        config: Config,
        server_state: ServerState,
        app_state: dict[str, Any],
        _loop: asyncio.AbstractEventLoop | None = None,
    ) -> None:
        super().__init__(config, server_state, app_state, _loop)
        self._max_header_bytes = config.h11_max_incomplete_event_size or 16384
        # uvicorn would count open connections as well as requests against its limit; open
        # connections have their own cap here (idle ones give way), so only requests count.
        self._limit_requests = config.limit_concurrency
        self.limit_concurrency = None
        self._app = self.app
        self.app = self._limited_app
        self._header_timer: asyncio.TimerHandle | None = None
        self._idle_order = next(_IDLE_ORDER)

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        """Admit the connection (making room if needed) and start its header deadline."""
        super().connection_made(transport)
        self._idle_order = next(_IDLE_ORDER)
        if len(self.connections) > self.max_connections and not self._evict_idle():
            self.connections.discard(self)
            self.logger.warning("Connection refused: %d connections open.", self.max_connections)
            self._refuse(503, "the server has too many open connections: try again shortly")
            return
        self._arm_header_timer()

    def connection_lost(self, exc: Exception | None) -> None:
        """Forget the header deadline with the connection."""
        self._cancel_header_timer()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        """Feed h11; the header deadline runs from a request's first byte to its last header."""
        if self._header_timer is None and self._awaiting_request():
            self._arm_header_timer()
        super().data_received(data)
        if not self._awaiting_request():
            self._cancel_header_timer()

    def on_response_complete(self) -> None:
        """The connection is idle again (keep-alive): evictable from now on."""
        self._idle_order = next(_IDLE_ORDER)
        super().on_response_complete()

    def handle_events(self) -> None:
        """Refuse a request whose line and headers exceed the limit, before h11 parses them.

        h11's own bound applies only while the headers are incomplete, so headers that
        arrive whole in one read (up to 256 KiB) would pass it.
        """
        if self._awaiting_request():
            buffered = self.conn.trailing_data[0]
            if _head_size(buffered) > self._max_header_bytes:
                self._refuse_head(buffered)
                return
        super().handle_events()

    def _refuse_head(self, buffered: bytes) -> None:
        """Refuse a request whose head is over the limit, naming the part that is too long:
        the request line (414, as RFC 9110 answers a URL longer than the server takes) or
        the headers (431)."""
        limit = self._max_header_bytes
        line_end = buffered.find(b"\n", 0, limit + 1)
        if line_end == -1:
            self.logger.warning("Request line over %d bytes refused.", limit)
            self._refuse(414, f"request line (method and URL) too long: at most {limit} bytes")
        else:
            self.logger.warning("Request headers over %d bytes refused.", limit)
            self._refuse(431, f"request headers too large: at most {limit} bytes")

    async def _limited_app(
        self, scope: Scope, receive: ASGIReceiveCallable, send: ASGISendCallable
    ) -> None:
        # Runs in the request's own task, which uvicorn has already added to `tasks`.
        if self._limit_requests is not None and len(self.tasks) > self._limit_requests:
            self.logger.warning("Exceeded concurrency limit.")
            await _service_unavailable(send)
            return
        await self._app(scope, receive, send)

    def _awaiting_request(self) -> bool:
        """Between requests, or inside a request's headers (not yet parsed)."""
        return self.conn.their_state is h11.IDLE and (
            self.cycle is None or self.cycle.response_complete
        )

    def _evict_idle(self) -> bool:
        """Close the connection idle longest to make room; False when none is idle."""
        idle = [
            other
            for other in self.connections
            if isinstance(other, GuardedH11Protocol)
            and other is not self
            and not other.transport.is_closing()
            and other._awaiting_request()
        ]
        if not idle:
            return False
        oldest = min(idle, key=lambda other: other._idle_order)
        # Dropped from the count now: its connection_lost comes only on a later loop turn.
        self.connections.discard(oldest)
        oldest._close()
        return True

    def _arm_header_timer(self) -> None:
        self._cancel_header_timer()
        self._header_timer = self.loop.call_later(self.header_timeout, self._headers_too_slow)

    def _cancel_header_timer(self) -> None:
        if self._header_timer is not None:
            self._header_timer.cancel()
            self._header_timer = None

    def _headers_too_slow(self) -> None:
        self._header_timer = None
        if self._awaiting_request() and not self.transport.is_closing():
            self._close()

    def _close(self) -> None:
        self._cancel_header_timer()
        self._unset_keepalive_if_required()
        self.transport.close()

    def _refuse(self, status: int, detail: str) -> None:
        """Write a JSON error straight to the socket and close it."""
        body = json.dumps({"detail": detail}).encode()
        head = (
            f"HTTP/1.1 {status} {_PHRASES[status]}\r\n"
            "content-type: application/json\r\n"
            f"content-length: {len(body)}\r\n"
            + (f"retry-after: {RETRY_AFTER}\r\n" if status == 503 else "")
            + "connection: close\r\n\r\n"
        ).encode()
        self.transport.write(head + body)
        self._close()


# Where a request's headers end: h11 accepts bare LF line endings too.
_END_OF_HEAD = re.compile(rb"\n\r?\n")
_PHRASES = {
    414: "URI Too Long",
    431: "Request Header Fields Too Large",
    503: "Service Unavailable",
}


def _head_size(buffered: bytes) -> int:
    """Bytes of the request line and headers received so far (all of them, if complete)."""
    end = _END_OF_HEAD.search(buffered)
    return end.start() if end else len(buffered)


async def _service_unavailable(send: ASGISendCallable) -> None:
    body = b'{"detail": "the server is busy: try again shortly"}'
    await send(
        {
            "type": "http.response.start",
            "status": 503,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"retry-after", str(RETRY_AFTER).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body, "more_body": False})
