"""Every request's text checked once, before its route does anything: path and query
parameters and every string of a JSON or form body must be valid text (`valid_text.py`),
else 422 naming the field. (Uploaded files are checked row by row by the import that reads
them.)

`CheckedRoute` runs the check in front of the route's handler: every API router is built
with it, and the pages' `WebRoute` extends it, so no route can forget it. A route class
rather than an app-wide dependency: FastAPI solves each dependency with a cache key and
scope checks of its own, and over HTTP the dependency cost about 35 us of CPU a request
(docs/benchmarks.md), the wrapper a function call."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Coroutine, Iterable
from typing import Any

from fastapi import Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute

from dreamjobsearch.valid_text import InvalidText, describe, find_invalid_text

# JSON bodies up to this size are checked on the event loop; larger ones in a thread.
INLINE_JSON_BYTES = 64 * 1024
FORM_TYPE = "application/x-www-form-urlencoded"


class InvalidTextError(RequestValidationError):
    """A request carried invalid text; `message` names the field (for the web pages)."""

    def __init__(self, found: InvalidText, where: str) -> None:
        super().__init__(
            [
                {
                    "type": "invalid_text",
                    "loc": (where, *found.location),
                    "msg": f"Value {found.problem}",
                }
            ]
        )
        self.message = f"Not accepted: {describe(found)}."


async def reject_invalid_text(request: Request) -> None:
    """Raise `InvalidTextError` for the first invalid string the request carries."""
    # Most requests have no path or query parameters, or no body: nothing is parsed for them.
    if path_params := request.path_params:
        _check_pairs("path", path_params.items())
    if request.scope["query_string"]:
        _check_pairs("query", request.query_params.multi_items())
    content_type = request.headers.get("content-type")
    if content_type is None:
        return
    media_type = content_type.split(";")[0].strip().lower()
    if media_type == "application/json" or media_type.endswith("+json"):
        raw = await request.body()
        # A large body (an import may be megabytes) is parsed and walked off the event loop.
        inline = len(raw) <= INLINE_JSON_BYTES
        found = _invalid_json(raw) if inline else await asyncio.to_thread(_invalid_json, raw)
        if found:
            raise InvalidTextError(found, "body")
    elif media_type == FORM_TYPE:
        # Keep the body before parsing it as a form: a route that takes the raw body (a file
        # upload sent by `curl --data-binary`, whose default type this is) reads it again,
        # and one with form fields gets the form parsed here.
        await request.body()
        form = await request.form()
        _check_pairs("body", form.multi_items())


Handler = Callable[[Request], Coroutine[Any, Any, Response]]


class CheckedRoute(APIRoute):
    """A route whose request is refused (`InvalidTextError`, a 422) when it carries invalid
    text, before any of its dependencies or its body's parsing runs."""

    def get_route_handler(self) -> Handler:
        """The FastAPI handler, behind the check."""
        handler = super().get_route_handler()

        async def checked(request: Request) -> Response:
            await reject_invalid_text(request)
            return await handler(request)

        return checked


def _check_pairs(where: str, pairs: Iterable[tuple[str, Any]]) -> None:
    # Each name and value on its own, so repeated parameters (`?status=a&status=b`) all count.
    for name, value in pairs:
        if found := find_invalid_text({name: value}):
            raise InvalidTextError(found, where)


def _invalid_json(raw: bytes) -> InvalidText | None:
    """The first invalid string of a JSON body; None also when it is not JSON (the route
    reports that itself)."""
    try:
        return find_invalid_text(json.loads(raw))
    except (ValueError, RecursionError):
        return None
