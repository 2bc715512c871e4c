"""The edge layer refuses a body over the limit however it is framed: declared, chunked, or
framed by HTTP/2 without a length."""

from __future__ import annotations

import pytest
from starlette.exceptions import HTTPException
from starlette.types import Message, Receive, Scope, Send

from dreamjobsearch.api.edge import EdgeMiddleware

LIMIT = 10


async def read_body(scope: Scope, receive: Receive, send: Send) -> None:
    """An app that reads the whole body, then answers 200 with its length."""
    body = b""
    while True:
        message = await receive()
        body += message.get("body", b"")
        if not message.get("more_body", False):
            break
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": str(len(body)).encode()})


async def post(
    http_version: str, headers: list[tuple[bytes, bytes]], chunks: list[bytes]
) -> list[Message]:
    """POST `chunks` through the edge layer (limit `LIMIT` bytes); the messages sent back."""
    scope = {
        "type": "http",
        "http_version": http_version,
        "method": "POST",
        "path": "/register",
        "headers": headers,
    }
    pending = [
        {"type": "http.request", "body": chunk, "more_body": index < len(chunks) - 1}
        for index, chunk in enumerate(chunks)
    ]
    sent: list[Message] = []

    async def receive() -> Message:
        return pending.pop(0)

    async def send(message: Message) -> None:
        sent.append(message)

    await EdgeMiddleware(read_body, max_bytes=LIMIT)(scope, receive, send)
    return sent


async def test_an_http2_body_without_a_length_is_counted() -> None:
    # HTTP/2 frames a body itself: no Content-Length or Transfer-Encoding need come with it.
    with pytest.raises(HTTPException) as refused:
        await post("2", [], [b"x" * 8, b"x" * 8])
    assert refused.value.status_code == 413


async def test_a_chunked_http1_body_is_counted() -> None:
    with pytest.raises(HTTPException) as refused:
        await post("1.1", [(b"transfer-encoding", b"chunked")], [b"x" * 8, b"x" * 8])
    assert refused.value.status_code == 413


async def test_a_declared_length_over_the_limit_is_refused_before_the_app_runs() -> None:
    sent = await post("1.1", [(b"content-length", b"16")], [b"x" * 16])
    assert sent[0]["status"] == 413


async def test_bodies_within_the_limit_reach_the_app() -> None:
    sent = await post("1.1", [(b"content-length", b"8")], [b"x" * 8])
    assert sent[0]["status"] == 200
    assert sent[1]["body"] == b"8"
    # Without a length or a coding an HTTP/1.1 request has no body (RFC 9112, 6.3).
    assert (await post("1.1", [], [b""]))[1]["body"] == b"0"
