"""A small HTTP/1.1 reverse proxy for tests: a load balancer in front of several server
processes that sends each request to the next process in turn (round robin, per request, so
a browser's keep-alive connection does not pin it to one process), and passes responses
through as they arrive, event streams included.

Each request goes upstream on a new connection marked `Connection: close`, so the upstream's
response ends when that connection does; the client's connection stays open between requests.
Enough HTTP for tests: request bodies must have a `Content-Length` (no chunked uploads).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from urllib.parse import urlsplit

HEAD_END = b"\r\n\r\n"
CHUNK = 64 * 1024
# Headers that describe one hop (RFC 9110 section 7.6.1), set anew on each side.
HOP_BY_HOP = {b"connection", b"keep-alive", b"proxy-connection", b"te", b"upgrade"}


@dataclass(frozen=True, slots=True)
class Served:
    """One request the proxy passed on: its method, target and the upstream it went to
    (an index into the proxy's upstreams)."""

    method: str
    target: str
    upstream: int


@dataclass(frozen=True, slots=True)
class _Head:
    """The start line and the headers of a request or a response."""

    start: bytes
    headers: list[tuple[bytes, bytes]]

    @classmethod
    def parse(cls, raw: bytes) -> _Head:
        start, *lines = raw[: -len(HEAD_END)].split(b"\r\n")
        headers = []
        for line in lines:
            name, _, value = line.partition(b":")
            headers.append((name.strip(), value.strip()))
        return cls(start, headers)

    def get(self, name: bytes) -> bytes | None:
        """The value of a header (the first, if it repeats)."""
        return next((value for key, value in self.headers if key.lower() == name), None)

    def wants_close(self) -> bool:
        """Whether this side asked to close the connection after this message."""
        return b"close" in (self.get(b"connection") or b"").lower()

    def encode(self, connection: bytes) -> bytes:
        """The head with its hop-by-hop headers replaced by `Connection: <connection>`."""
        kept = [(key, value) for key, value in self.headers if key.lower() not in HOP_BY_HOP]
        lines = [self.start, *(key + b": " + value for key, value in kept)]
        return b"\r\n".join([*lines, b"Connection: " + connection]) + HEAD_END


class RoundRobinProxy:
    """Listens on 127.0.0.1 and hands each request to the next upstream in turn."""

    def __init__(self, upstream_urls: list[str]) -> None:
        self._upstreams = [_address(url) for url in upstream_urls]
        self._turns = itertools.cycle(range(len(self._upstreams)))
        self._server: asyncio.Server | None = None
        self._clients: set[asyncio.Task[None]] = set()
        self.served: list[Served] = []

    @property
    def url(self) -> str:
        """The address clients use."""
        assert self._server is not None, "not started"
        port = self._server.sockets[0].getsockname()[1]
        return f"http://127.0.0.1:{port}"

    async def start(self) -> None:
        """Listen on a free port of 127.0.0.1."""
        self._server = await asyncio.start_server(self._serve_client, "127.0.0.1", 0)

    async def close(self) -> None:
        """Stop listening and drop every connection, upstream ones included."""
        if self._server is not None:
            self._server.close()
        for task in list(self._clients):
            task.cancel()
        await asyncio.gather(*self._clients, return_exceptions=True)
        if self._server is not None:
            await self._server.wait_closed()

    async def _serve_client(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._clients.add(task)
        try:
            while (request := await _read_head(reader)) is not None:
                length = int(request.get(b"content-length") or 0)
                assert request.get(b"transfer-encoding") is None, "chunked requests unsupported"
                body = await reader.readexactly(length)
                if not await self._forward(request, body, writer) or request.wants_close():
                    break
        except (ConnectionError, asyncio.IncompleteReadError):
            pass  # a side went away: nothing to answer
        finally:
            self._clients.discard(task)
            writer.close()
            with contextlib.suppress(ConnectionError):
                await writer.wait_closed()

    async def _forward(self, request: _Head, body: bytes, client: asyncio.StreamWriter) -> bool:
        """Send the request to the next upstream and its response back, as it comes; whether
        the client's connection can carry another request afterwards."""
        turn = next(self._turns)
        method, target, _version = request.start.decode("latin-1").split(" ", 2)
        self.served.append(Served(method, target, turn))
        upstream_reader, upstream_writer = await asyncio.open_connection(*self._upstreams[turn])
        try:
            upstream_writer.write(request.encode(b"close") + body)
            await upstream_writer.drain()
            response = await _read_head(upstream_reader)
            if response is None:
                raise ConnectionResetError("the upstream closed without answering")
            # Without a length or chunks, the body ends when the connection does.
            delimited = response.get(b"content-length") is not None or (
                b"chunked" in (response.get(b"transfer-encoding") or b"").lower()
            )
            bodiless = method == "HEAD" or response.start.split(b" ")[1] in (b"204", b"304")
            reusable = delimited or bodiless
            client.write(response.encode(b"keep-alive" if reusable else b"close"))
            await client.drain()
            # The upstream closes after this one response: copy until it does.
            while chunk := await upstream_reader.read(CHUNK):
                client.write(chunk)
                await client.drain()
            return reusable
        finally:
            upstream_writer.close()
            with contextlib.suppress(ConnectionError):
                await upstream_writer.wait_closed()


async def _read_head(reader: asyncio.StreamReader) -> _Head | None:
    """The next message head on the connection; None when it closed between messages."""
    try:
        raw = await reader.readuntil(HEAD_END)
    except asyncio.IncompleteReadError as ended:
        if ended.partial.strip():
            raise
        return None
    except asyncio.LimitOverrunError as too_long:  # over the reader's 64 KiB
        raise ConnectionResetError("message head too long") from too_long
    return _Head.parse(raw)


def _address(url: str) -> tuple[str, int]:
    parts = urlsplit(url)
    assert parts.hostname is not None, url
    assert parts.port is not None, url
    return parts.hostname, parts.port


@asynccontextmanager
async def round_robin_proxy(upstream_urls: list[str]) -> AsyncIterator[RoundRobinProxy]:
    """A started `RoundRobinProxy` in front of `upstream_urls`, closed when the block ends."""
    proxy = RoundRobinProxy(upstream_urls)
    await proxy.start()
    try:
        yield proxy
    finally:
        await proxy.close()
