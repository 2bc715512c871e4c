"""The web app in a real browser: Debian's Chromium, driven by Playwright, walks a whole journey.

A live server (uvicorn on 127.0.0.1) searches a Greenhouse board served by a fake board on
127.0.0.1. Each page is saved as a screenshot under tests/artifacts/; with
DREAMJOB_DOCS_SCREENSHOTS=1 the README's screenshots in docs/screenshots/ are refreshed too.
Any console error or uncaught page error fails the test.

The browser is the system's (`apt-get install chromium`), never one Playwright downloads:
without it these tests skip, unless DREAMJOB_REQUIRE_SERVICES=1 (as in CI) makes them fail.
"""

from __future__ import annotations

import os
import re
from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from conftest import ServerFactory
from playwright.async_api import Browser, ConsoleMessage, Error, Page, async_playwright, expect
from playwright.async_api import Response as PlaywrightResponse
from playwright.async_api import Route as PlaywrightRoute
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from support import LiveServer, grant_admin, start_server

# Drives the Chromium of the machine.
pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "tests" / "artifacts"
DOCS_SCREENSHOTS = ROOT / "docs" / "screenshots"
GREENHOUSE = ROOT / "tests" / "fixtures" / "greenhouse"
EMAIL = "ada@example.com"
ADMIN = "admin@example.com"  # made an admin once registered
PASSWORD = "a long passphrase"
# Jobs of board_acme.json whose title has the word "engineer" (two others are malformed).
ENGINEER_JOBS = 4
TIMEOUT_MS = 10_000
# The screens the walks run on: a laptop's, and a phone's.
SIZES = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}
NARROW = 720  # the widest screen narrow.js and the stylesheet treat as a phone's
DARK_BACKGROUND = "rgb(17, 19, 26)"


def chromium_path() -> str:
    """Debian's Chromium; skip (or fail, when services are required) without it."""
    if CHROMIUM.exists():
        return str(CHROMIUM)
    message = f"Chromium is not installed at {CHROMIUM}"
    if os.environ.get("DREAMJOB_REQUIRE_SERVICES") == "1":
        pytest.fail(f"{message}; DREAMJOB_REQUIRE_SERVICES=1 requires it")
    pytest.skip(f"{message}; install it with apt-get install chromium to run these tests")


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    """Headless Chromium (the system's own)."""
    executable = chromium_path()
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(
            executable_path=executable, headless=True, args=["--no-sandbox"]
        )
        try:
            yield launched
        finally:
            await launched.close()


@pytest.fixture
async def greenhouse() -> AsyncIterator[str]:
    """A fake Greenhouse serving the `acme` board fixture; yields its base URL."""

    def answer(path: str, name: str) -> Route:
        body = (GREENHOUSE / name).read_bytes()

        async def endpoint(_request: Request) -> Response:
            return Response(body, media_type="application/json")

        return Route(path, endpoint)

    fake = await start_server(
        Starlette(
            routes=[
                answer("/v1/boards/acme/jobs", "board_acme.json"),
                answer("/v1/boards/acme", "board_acme_meta.json"),
            ]
        )
    )
    yield fake.base_url
    await fake.stop()


@pytest.fixture
async def server(make_server: ServerFactory, greenhouse: str) -> LiveServer:
    """The app, searching the fake Greenhouse."""
    return await make_server(greenhouse_base_url=greenhouse)


class Journey:
    """A browser page on the live server that records console errors and saves screenshots."""

    def __init__(self, page: Page, base_url: str) -> None:
        self.page = page
        self.base_url = base_url
        self.errors: list[str] = []
        page.set_default_timeout(TIMEOUT_MS)
        page.on("console", self._console)
        page.on("pageerror", self._page_error)
        page.on("response", self._response)

    def _console(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            self.errors.append(f"console: {message.text}")

    def _response(self, response: PlaywrightResponse) -> None:
        # The console says a load failed, not which: name it.
        if response.status >= 400:
            self.errors.append(f"{response.status} for {response.request.method} {response.url}")

    def _page_error(self, error: Error) -> None:
        self.errors.append(f"page error: {error}")

    async def open(self, path: str) -> None:
        """Go to a page of the app."""
        await self.page.goto(self.base_url + path)

    async def snap(self, name: str, docs: str | None = None, selector: str | None = None) -> None:
        """Save a screenshot in tests/artifacts/ (and docs/screenshots/ when asked for)."""
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        targets = [ARTIFACTS / f"{name}.png"]
        if docs and os.environ.get("DREAMJOB_DOCS_SCREENSHOTS") == "1":
            DOCS_SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            targets.append(DOCS_SCREENSHOTS / docs)
        for target in targets:
            if selector:
                await self.page.locator(selector).screenshot(path=target)
            else:
                await self.page.screenshot(path=target, full_page=True)


async def register(journey: Journey, email: str) -> None:
    """Sign up through the register page; lands on the guide, then goes on to Searches."""
    page = journey.page
    await journey.open("/register")
    await page.get_by_label("Email").fill(email)
    await page.get_by_label("Password").fill(PASSWORD)
    await journey.snap("register")
    await page.get_by_role("button", name="Create account").click()
    await expect(page.get_by_role("heading", name="Welcome to DreamJobSearch")).to_be_visible()
    await journey.snap("welcome")
    await page.get_by_role("link", name="Search the job boards").click()
    await expect(page.get_by_role("heading", name="Searches", exact=True)).to_be_visible()


def on_a_phone(page: Page) -> bool:
    """Whether the page is as narrow as a phone, where the header's links wait behind Menu
    and the Results filters start folded."""
    viewport = page.viewport_size
    return viewport is not None and viewport["width"] <= NARROW


async def page_overflows(page: Page) -> bool:
    """Whether the page itself scrolls sideways."""
    return bool(
        await page.evaluate(
            "document.documentElement.scrollWidth > document.documentElement.clientWidth"
        )
    )


async def go_to(page: Page, link: str) -> None:
    """Follow one of the header's links, by the Menu button first on a phone."""
    if on_a_phone(page):
        await page.get_by_role("button", name="Menu").click()
    await page.get_by_role("navigation", name="Main").get_by_role("link", name=link).click()


async def unfold_filters(page: Page) -> None:
    """Show the Results filters: on a phone they fold once the page has set up (waited for,
    so that the fold does not come after the click), and open on a tap of Filters."""
    keywords = page.locator("#keywords")
    if on_a_phone(page):
        await expect(keywords).to_be_hidden()
        await page.locator("summary", has_text=re.compile(r"^Filters")).click()
    await expect(keywords).to_be_visible()


async def test_the_whole_journey_in_a_browser(server: LiveServer, browser: Browser) -> None:
    # The server comes first so that it stops last, after the browser closed its streams.
    context = await browser.new_context(viewport=SIZES["desktop"])
    journey = Journey(await context.new_page(), server.base_url)
    page = journey.page

    # Logged out, any page leads to the login form.
    await journey.open("/results")
    await expect(page).to_have_url(f"{server.base_url}/login?next=%2Fresults")
    await journey.snap("login")

    await register(journey, EMAIL)

    # A search of one company board, followed live to the end.
    await expect(page.locator("#connection")).to_have_attribute("data-state", "live")
    await page.get_by_label("Search for").fill("engineer")
    await page.get_by_label("LinkedIn").uncheck()
    await page.get_by_label("Company boards").fill("greenhouse:acme")
    await page.get_by_label("Jobs per search").fill("50")
    await page.get_by_role("button", name="Start update").click()
    panel = page.locator("#run-panel")
    await expect(panel).to_have_attribute("data-status", "succeeded")
    await expect(panel.locator("[data-role=percent]")).to_have_text("100%")
    await expect(panel.locator("progress")).to_have_js_property("value", 100)
    await expect(panel.locator("[data-count=new]")).to_have_text(str(ENGINEER_JOBS))
    await expect(panel.locator("[data-count=errors]")).to_have_text("2")
    await expect(page.locator("#log-lines li").first).to_be_visible()
    await expect(page.locator("#log-lines")).to_contain_text("run succeeded")
    await expect(page.locator("#runs-table tbody tr")).to_have_count(1)
    await journey.snap("searches")
    await journey.snap("live-panel", docs="live-panel.png", selector=".columns")

    # Rank with keywords typed as chips.
    await page.get_by_role("link", name="Results", exact=True).click()
    keywords = page.get_by_role("textbox", name="Keywords")
    # Type once the chips script has taken the field over: before, Enter submits the form
    # and the navigation it starts can swallow the next keyword (seen on a loaded machine).
    await expect(page.locator(".chips input[data-chips]")).to_be_attached()
    for keyword in ("Python", "Kubernetes", "robots"):
        await keywords.fill(keyword)
        await keywords.press("Enter")
    await expect(page.locator(".chip")).to_have_count(3)
    await page.get_by_role("button", name="Remove keyword Kubernetes").click()
    await expect(page.locator(".chip")).to_have_count(2)
    await page.get_by_role("button", name="Rank").click()
    rows = page.locator("table.results tbody tr")
    await expect(rows.first).to_be_visible()
    first = await rows.count()
    assert first >= 2
    await expect(rows.first.locator(".score")).to_have_text("2")
    await expect(rows.first.locator("mark").first).to_be_visible()
    await expect(rows.first.locator(".badge.source-greenhouse")).to_have_text(
        "Greenhouse posting (opens in a new tab)"
    )
    await expect(rows.first.locator(".badge-new")).to_be_visible()  # a first visit

    # Track a posting, keep the keywords, export the view.
    await rows.first.get_by_label("Status of").select_option("applied")
    await expect(rows.first.locator(".saved")).to_have_text("Saved")
    await page.get_by_role("button", name="Save keywords").click()
    await expect(page.locator("#keywords-saved")).to_have_text(
        "Saved as your keywords: Python, robots; location: anywhere."
    )
    await journey.snap("results", docs="results.png")
    async with page.expect_download() as download_info:
        await page.get_by_role("link", name="Export CSV").click()
    download = await download_info.value
    exported = ARTIFACTS / "export.csv"
    await download.save_as(exported)
    lines = exported.read_text(encoding="utf-8").splitlines()
    assert lines[0].startswith('"id","score","matched_keywords","job_title"')
    assert len(lines) == first + 1
    assert ',"applied",' in lines[1]
    await page.set_viewport_size(SIZES["phone"])
    await journey.snap("results-phone")
    await page.set_viewport_size(SIZES["desktop"])

    # The saved keywords are where the results page starts next time.
    await journey.open("/results")
    await expect(page.locator(".chip")).to_have_count(2)
    await expect(rows).to_have_count(first)

    # A note on a posting, kept on its row.
    await rows.first.get_by_text("Add note").click()
    await rows.first.get_by_label("Your note on").fill("Ask about the robots")
    await rows.first.get_by_role("button", name="Save note").click()
    await expect(rows.first.locator(".note-text")).to_have_text("Your note: Ask about the robots")
    await expect(rows.first.locator("summary")).to_be_focused()  # the editor closed
    await journey.snap("results-note", selector="table.results tbody tr:first-child")

    # Hide the company (every posting goes, focus to its Undo), then show it again.
    await rows.first.get_by_role("button", name="Hide company Acme Robotics").click()
    await expect(rows).to_have_count(0)
    await expect(page.locator("#alerts")).to_contain_text("Postings from Acme Robotics are hidden.")
    await expect(page.get_by_role("button", name="Undo")).to_be_focused()
    await journey.snap("results-hidden-company")
    await page.get_by_role("button", name="Unhide Acme Robotics").click()
    await expect(rows).to_have_count(first)
    await expect(page.locator("#hidden-companies-title")).to_be_focused()

    # The board: a column per status; moving a card keeps focus on its status.
    await page.get_by_role("link", name="Board", exact=True).click()
    applied = page.locator(".board-column-applied")
    await expect(applied.locator(".board-card")).to_have_count(1)
    await expect(applied.locator("[data-count]")).to_have_text("1 job")
    card = page.locator(".board-column-new .board-card").first
    moved_id = await card.get_attribute("data-posting-id")
    select = card.get_by_label("Status of")
    await select.focus()
    await select.select_option("interviewing")
    interviewing = page.locator(".board-column-interviewing")
    await expect(interviewing.locator(f'[data-posting-id="{moved_id}"]')).to_be_visible()
    await expect(page.locator("#board-announcer")).to_contain_text("to Interviewing.")
    await expect(page.locator(f"#status-{moved_id}")).to_be_focused()
    await journey.snap("board", docs="board.png")
    await page.set_viewport_size(SIZES["phone"])
    await journey.snap("board-phone")
    await page.set_viewport_size(SIZES["desktop"])

    # My sessions, then log out.
    await page.get_by_role("link", name="Sessions", exact=True).click()
    await expect(page.get_by_text("This session")).to_be_visible()
    # The device is this browser as it is: headless Chromium, not "Safari".
    this_session = page.locator("tr.current")
    await expect(this_session).to_contain_text(re.compile(r"(HeadlessChrome|Chrome) \d+ on Linux"))
    await expect(this_session).not_to_contain_text("Safari")
    await journey.snap("sessions")
    await page.get_by_role("button", name="Log out", exact=True).click()
    await expect(page).to_have_url(f"{server.base_url}/login")
    await journey.open("/")
    await expect(page).to_have_url(f"{server.base_url}/login")

    # An admin sees the session monitor.
    await register(journey, ADMIN)
    await grant_admin(server, ADMIN)
    await page.reload()
    await page.get_by_role("link", name="Admin", exact=True).click()
    await expect(page.get_by_role("heading", name="Session monitor")).to_be_visible()
    sessions = page.get_by_role("region", name="Every live session")
    await expect(sessions.locator("tbody tr")).to_have_count(1)
    # The admin's own workspace (the user who logged out took theirs with them).
    workspaces = page.get_by_role("region", name="Workspaces in this process")
    await expect(workspaces.locator("tbody tr")).to_have_count(1)
    await expect(workspaces.locator("tbody tr")).to_contain_text(ADMIN)
    await journey.snap("admin")

    await context.close()
    assert journey.errors == []


async def test_the_api_reference_works_offline(server: LiveServer, browser: Browser) -> None:
    """/docs renders and runs requests with every request to another host refused, and
    breaks no rule of its policy (a violation is a console error)."""
    context = await browser.new_context()
    elsewhere: list[str] = []

    async def only_this_server(route: PlaywrightRoute) -> None:
        if route.request.url.startswith(server.base_url):
            await route.continue_()
        else:
            elsewhere.append(route.request.url)
            await route.abort()

    await context.route("**/*", only_this_server)
    page = await context.new_page()
    journey = Journey(page, server.base_url)
    await journey.open("/docs")
    await expect(page).to_have_title("DreamJobSearch API reference")
    health = page.locator("#operations-health-healthz_healthz_get")
    await health.locator(".opblock-summary").click()
    await health.get_by_role("button", name="Try it out").click()
    await health.get_by_role("button", name="Execute").click()
    live = health.locator(".live-responses-table")
    await expect(live.get_by_role("cell", name="200", exact=True)).to_be_visible()
    await journey.snap("api-docs")
    await context.close()
    assert elsewhere == []
    assert journey.errors == []


async def test_an_unknown_address_shows_the_sites_own_page(
    server: LiveServer, browser: Browser
) -> None:
    """Typing an address nobody serves shows a page with a way home, not the API's JSON."""
    context = await browser.new_context()
    page = await context.new_page()
    journey = Journey(page, server.base_url)
    await journey.open("/no-such-page")
    await expect(page.get_by_role("heading", name="Not found")).to_be_visible()
    await expect(page).to_have_title("404 · DreamJobSearch")
    await journey.snap("not-found")
    await page.get_by_role("link", name="Back to searches").click()
    await expect(page).to_have_url(f"{server.base_url}/login")
    await context.close()
    # The page's own load is the one failure: nothing it needs (styles, scripts) is missing.
    assert sorted(journey.errors) == [
        f"404 for GET {server.base_url}/no-such-page",
        "console: Failed to load resource: the server responded with a status of 404 (Not Found)",
    ]


async def start_search(page: Page, board: str) -> None:
    """Search one company board for engineers from the Searches form."""
    await page.get_by_label("Search for").fill("engineer")
    await page.get_by_label("LinkedIn").uncheck()
    await page.get_by_label("Company boards").fill(board)
    await page.get_by_label("Jobs per search").fill("50")
    await page.get_by_role("button", name="Start update").click()


async def test_runs_in_the_readers_zone_each_with_its_own_log(
    server: LiveServer, browser: Browser
) -> None:
    context = await browser.new_context(
        viewport=SIZES["desktop"], timezone_id="Asia/Tokyo", locale="en-GB"
    )
    journey = Journey(await context.new_page(), server.base_url)
    page = journey.page
    await register(journey, EMAIL)
    await expect(page.locator("#connection")).to_have_attribute("data-state", "live")
    panel = page.locator("#run-panel")
    log = page.locator("#log-lines")

    await start_search(page, "greenhouse:acme")
    await expect(panel).to_have_attribute("data-status", "succeeded")
    first = await panel.get_attribute("data-run-id")
    await expect(log).to_contain_text("run succeeded")
    # Times in the reader's zone (Tokyo, 9 hours ahead of UTC), in one format.
    started = panel.locator(".run-footer p time")
    moment = datetime.fromisoformat(await started.get_attribute("datetime") or "")
    tokyo = moment.astimezone(ZoneInfo("Asia/Tokyo"))
    await expect(started).to_contain_text(tokyo.strftime("%H:%M"))
    await expect(started).to_contain_text("GMT+9")
    await expect(page.locator("#runs-table time").first).to_have_text(await started.inner_text())
    await expect(panel.locator(".count-errors")).to_have_class(re.compile(r"\bcount-some\b"))

    # A board that is not there: the run fails in plain words, and the log shows its
    # lines only, not the first run's.
    await start_search(page, "greenhouse:nope")
    await expect(panel).to_have_attribute("data-status", "failed")
    await expect(panel.locator(".status-failed")).to_have_text("failed")
    await expect(panel.locator(".notice-error")).to_have_text(
        "The Greenhouse board nope was not found (error 404): check the board's name"
        " (searching 'engineer')"
    )
    await expect(log).to_contain_text("run failed")
    await expect(log).not_to_contain_text("run succeeded")
    await journey.snap("failed-run", selector=".columns")

    # Run the first search again from the recent runs: the log follows the new run.
    table = page.locator("#runs-table tbody tr")
    await expect(table).to_have_count(2)
    await table.nth(1).get_by_role("button", name=re.compile("^Run again")).click()
    await expect(table).to_have_count(3)
    await expect(panel).to_have_attribute("data-status", "succeeded")
    assert await panel.get_attribute("data-run-id") not in (first, None)
    await expect(log).not_to_contain_text("404")
    await expect(panel.locator("[data-count=duplicates]")).to_have_text(str(ENGINEER_JOBS))

    # The first run's new postings, on the Results page.
    await journey.open(f"/?run={first}")
    await panel.get_by_role("link", name=f"See the {ENGINEER_JOBS} new postings").click()
    await expect(page.locator("#run-filter")).to_be_visible()
    await expect(page.locator("table.results tbody tr")).to_have_count(ENGINEER_JOBS)

    await context.close()
    assert journey.errors == []
