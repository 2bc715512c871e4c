"""An address nobody serves: a browser gets a page in the site's look, with a way home; an
API client keeps the JSON 404 it always had."""

from __future__ import annotations

import httpx
import pytest
from support import bearer, register
from web_support import HTMX, sign_up

from dreamjobsearch.web.not_found import prefers_html

# What Chromium and Firefox send when they navigate to an address.
CHROMIUM_NAVIGATION = (
    "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,"
    "image/apng,*/*;q=0.8,application/signed-exchange;v=b3;q=0.7"
)
FIREFOX_NAVIGATION = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


@pytest.mark.parametrize("accept", [CHROMIUM_NAVIGATION, FIREFOX_NAVIGATION, "text/html"])
async def test_a_browser_gets_a_page_with_a_link_home(
    client: httpx.AsyncClient, accept: str
) -> None:
    for path in ("/no-such-page", "/results/extra", "/static/no-such-file.css"):
        page = await client.get(path, headers={"Accept": accept})
        assert page.status_code == 404, path
        assert page.headers["content-type"].startswith("text/html")
        assert ">Not found</h1>" in page.text
        assert 'href="/"' in page.text
        assert "/static/css/app.css" in page.text  # the site's own look
        # The pages' own policy: nothing inline, nothing from elsewhere.
        assert "script-src 'self'" in page.headers["content-security-policy"]
        assert page.headers["cache-control"] == "no-store"


@pytest.mark.parametrize(
    "headers",
    [
        {"Accept": "application/json"},
        {"Accept": "*/*"},
        {},
        {"Accept": "application/json, text/html"},
        {"Accept": "text/html;q=0.5, application/json"},
    ],
)
async def test_an_api_client_keeps_its_json(
    client: httpx.AsyncClient, headers: dict[str, str]
) -> None:
    if not headers:
        client.headers.pop("accept", None)
    answer = await client.get("/no-such-route", headers=headers)
    assert answer.status_code == 404
    assert answer.headers["content-type"] == "application/json"
    assert answer.json() == {"detail": "Not Found"}


async def test_api_errors_stay_json_for_a_browser_too(client: httpx.AsyncClient) -> None:
    """Only addresses nobody serves get the page: an API route's own 404 stays its JSON."""
    token = await register(client, "api@example.com")
    answer = await client.get(
        "/runs/nope", headers={"Accept": CHROMIUM_NAVIGATION, **bearer(token)}
    )
    assert answer.status_code == 404
    assert answer.headers["content-type"] == "application/json"


async def test_htmx_gets_the_message_in_the_alert_region(client: httpx.AsyncClient) -> None:
    await sign_up(client, "ada@example.com")
    answer = await client.get("/web/no-such-fragment", headers=HTMX)
    assert answer.status_code == 404
    assert answer.headers["hx-retarget"] == "#alerts"
    assert 'role="alert"' in answer.text


@pytest.mark.parametrize(
    ("accept", "html"),
    [
        (CHROMIUM_NAVIGATION, True),
        (FIREFOX_NAVIGATION, True),
        ("text/html, */*", True),  # HTML named, JSON only through the wildcard
        ("text/*", True),
        ("*/*", False),
        ("", False),
        (None, False),
        ("application/json", False),
        ("application/json, text/html", False),  # as much of both: the API's JSON
        ("text/html;q=0.4, application/json;q=0.5", False),
        ("text/html;q=0", False),
        ("text/html;q=nonsense", False),
        ("image/png", False),
    ],
)
def test_which_accept_headers_prefer_html(accept: str | None, html: bool) -> None:
    assert prefers_html(accept) is html
