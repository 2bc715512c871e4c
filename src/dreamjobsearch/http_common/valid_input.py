"""Every request's text checked once, before any route runs: path and query parameters and
every string of a JSON or form body must be valid text (`valid_text.py`), else 422 naming
the field. An app-wide dependency, so no route, API or web page, can forget it. (Uploaded
files are checked row by row by the import that reads them.)"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Iterable
from typing import Any

from fastapi import Request
from fastapi.exceptions import RequestValidationError

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
    _check_pairs("path", request.path_params.items())
    _check_pairs("query", request.query_params.multi_items())
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type == "application/json" or content_type.endswith("+json"):
        raw = await request.body()
        # A large body (an import may be megabytes) is parsed and walked off the event loop.
        inline = len(raw) <= INLINE_JSON_BYTES
        found = _invalid_json(raw) if inline else await asyncio.to_thread(_invalid_json, raw)
        if found:
            raise InvalidTextError(found, "body")
    elif content_type == FORM_TYPE:
        # Keep the body before parsing it as a form: a route that takes the raw body (a file
        # upload sent by `curl --data-binary`, whose default type this is) reads it again.
        # A route with form fields has parsed (and kept) the form already, which leaves no
        # stream to read: then the kept form is what is checked.
        with contextlib.suppress(RuntimeError):
            await request.body()
        form = await request.form()
        _check_pairs("body", form.multi_items())


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
