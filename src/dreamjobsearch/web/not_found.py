"""The page a browser gets for an address the app does not serve.

An API client keeps its JSON 404: only a request that prefers HTML to JSON (a browser
navigating, whose Accept names `text/html` before its `*/*`), or htmx, gets the page. The
app's error handling asks `page_for_unknown_path` first and answers JSON when it gets None.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from dreamjobsearch.web.headers import PAGE_HEADERS
from dreamjobsearch.web.routing import error_response
from dreamjobsearch.web.templating import is_htmx

NOT_FOUND_MESSAGE = "There is no page at this address. It may have moved, or the link is wrong."
HTML = ("text", "html")
JSON = ("application", "json")

# (quality, specificity): how much a client wants a type, and how precisely it said so.
Preference = tuple[float, int]


def _ranges(accept: str) -> list[tuple[str, str, float]]:
    """The media ranges of an Accept header with their quality (1 unless `q=` says less)."""
    ranges = []
    for item in accept.split(","):
        kind, _, parameters = item.partition(";")
        main, _, sub = kind.strip().lower().partition("/")
        quality = 1.0
        for parameter in parameters.split(";"):
            name, _, value = parameter.strip().partition("=")
            if name.lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if main and sub:
            ranges.append((main, sub, quality))
    return ranges


def _preference(ranges: list[tuple[str, str, float]], media: tuple[str, str]) -> Preference:
    """How much `media` is wanted: the quality of the most specific range naming it
    (RFC 9110, 12.5.1), with that range's specificity (2 exact, 1 `type/*`, 0 `*/*`)."""
    main, sub = media
    best: Preference = (0.0, -1)
    for range_main, range_sub, quality in ranges:
        if (range_main, range_sub) == (main, sub):
            specificity = 2
        elif (range_main, range_sub) == (main, "*"):
            specificity = 1
        elif (range_main, range_sub) == ("*", "*"):
            specificity = 0
        else:
            continue
        if specificity > best[1]:
            best = (quality, specificity)
    return best


def prefers_html(accept: str | None) -> bool:
    """Whether an Accept header wants HTML more than JSON. Wanting both as much (`*/*`, no
    header) means JSON, unless HTML was named and JSON only reached through a wildcard."""
    if not accept:
        return False
    ranges = _ranges(accept)
    html, json = _preference(ranges, HTML), _preference(ranges, JSON)
    return html[1] >= 1 and html[0] > 0 and html > json


def page_for_unknown_path(request: Request) -> Response | None:
    """The 404 page (for htmx, the message in the page's alert region) for a browser; None
    for anyone else, who gets the API's JSON."""
    if not (is_htmx(request) or prefers_html(request.headers.get("accept"))):
        return None
    response = error_response(request, 404, NOT_FOUND_MESSAGE)
    response.headers.update(PAGE_HEADERS)
    return response
