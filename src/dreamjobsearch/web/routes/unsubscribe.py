"""Unsubscribing from a saved search's alert emails by the link in one, without logging in.

`GET` shows what the link would turn off and a button; it changes nothing, because mail
scanners open links. `POST` turns the email off: the button, or the mail client's own
one-click unsubscribe (RFC 8058, `List-Unsubscribe-Post`). The signed token in the link is
the proof, so no session or CSRF token is asked for.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from starlette.responses import Response

from dreamjobsearch.http_common.deps import ServicesDep
from dreamjobsearch.web.routing import WebRoute
from dreamjobsearch.web.templating import render

router = APIRouter(route_class=WebRoute, include_in_schema=False)

PAGE = "/unsubscribe"
Token = Annotated[str, Query(min_length=1, max_length=2000)]


@router.get(PAGE)
async def unsubscribe_page(request: Request, token: Token, services: ServicesDep) -> Response:
    """What the link turns off, and the button that does it."""
    search = await services.saved_searches.unsubscribe_target(token)
    return render(
        request,
        "unsubscribe.html",
        {"viewer": None, "csrf_token": None, "token": token, "search": search, "done": False},
    )


@router.post(PAGE)
async def unsubscribe(request: Request, token: Token, services: ServicesDep) -> Response:
    """Turn the saved search's email off."""
    search = await services.saved_searches.unsubscribe(token)
    return render(
        request,
        "unsubscribe.html",
        {"viewer": None, "csrf_token": None, "token": token, "search": search, "done": True},
    )
