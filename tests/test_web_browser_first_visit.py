"""A new user's first visit, end to end, in a real browser (Debian's Chromium, Playwright) on
a desktop screen and on a phone's: the landing page, an account, the welcome guide, the
sample postings, every posting newest first, keywords and a location saved and still there
on the next visit, a posting's own page and the next one, a status, the board by drag and
drop and by keyboard, the alerts page, and the board in dark mode. Each step checks what the
user sees; any console error fails it. On the phone the header's links are reached through
its Menu and the Results filters are unfolded first, as a phone's user must."""

from __future__ import annotations

import re

import pytest
from playwright.async_api import Browser, Locator, expect
from support import LiveServer
from test_web_browser import (
    DARK_BACKGROUND,
    PASSWORD,
    SIZES,
    Journey,
    browser,
    go_to,
    page_overflows,
    unfold_filters,
)
from test_web_browser_board import (
    columns_within_reach,
    drag_a_new_card_to_applied,
    key_a_new_card_to_interested,
)

pytestmark = pytest.mark.browser
# Fixtures of the browser tests, used here by name.
__all__ = ["browser"]

PAGE_SIZE = 25


async def newest_first(rows: Locator) -> bool:
    """Whether the result rows are dated (some of them) newest first."""
    posted = await rows.locator('td[data-label="Posted"] time').evaluate_all(
        "times => times.map(t => t.dateTime)"
    )
    return bool(posted) and posted == sorted(posted, reverse=True)


@pytest.mark.parametrize("size", SIZES)
async def test_a_new_users_first_visit(server: LiveServer, browser: Browser, size: str) -> None:
    context = await browser.new_context(viewport=SIZES[size])
    journey = Journey(await context.new_page(), server.base_url)
    page = journey.page

    # The landing page says what the app does and offers both ways in.
    await journey.open("/")
    await expect(page.get_by_role("heading", name="Log in")).to_be_visible()
    await expect(page.get_by_text("looks for job postings for you")).to_be_visible()
    await expect(page.get_by_role("button", name="Log in")).to_be_visible()
    assert not await page_overflows(page)  # on no page of the walk
    await page.get_by_role("link", name="Create an account").click()

    await expect(page.get_by_role("heading", name="Create an account")).to_be_visible()
    await page.get_by_label("Email").fill("first@example.com")
    await page.get_by_label("Password").fill(PASSWORD)
    await page.get_by_role("button", name="Create account").click()

    # The guide: three steps, none done yet.
    await expect(page.get_by_role("heading", name="Welcome to DreamJobSearch")).to_be_visible()
    await expect(page.locator(".guide-step")).to_have_count(3)
    await expect(page.locator(".badge-done")).to_have_count(0)
    assert not await page_overflows(page)
    await page.get_by_role("link", name="Load the sample postings or import a file").click()

    await expect(page.get_by_role("heading", name="You have no postings yet")).to_be_visible()
    await page.get_by_role("button", name="Load sample postings").click()
    loaded = page.get_by_text(re.compile(r"^Loaded \d+ sample postings\.$"))
    await expect(loaded).to_be_visible()
    count = int(re.sub(r"\D", "", await loaded.inner_text()))

    # No keywords: every posting, newest first, each marked new.
    await expect(page.get_by_role("heading", name="Your postings")).to_be_visible()
    await expect(page.get_by_text(f"{count} postings, newest first; showing 1")).to_be_visible()
    rows = page.locator("tbody tr[data-posting-id]")
    await expect(rows).to_have_count(PAGE_SIZE)
    await expect(rows.locator(".badge-new")).to_have_count(PAGE_SIZE)
    # Nothing matched, so no row says (to a screen reader) "Matched keywords:" and no more.
    await expect(rows.get_by_text("Matched keywords:")).to_have_count(0)
    assert await newest_first(rows)
    assert not await page_overflows(page)

    # A location alone narrows them, still newest first.
    await unfold_filters(page)
    await page.get_by_label("Location").fill("Berlin")
    await page.get_by_role("button", name="Rank").click()
    await expect(page).to_have_url(re.compile(r"location=Berlin"))
    places = rows.locator('td[data-label="Location"]')
    await expect(places.first).to_contain_text("Berlin")
    await expect(places.filter(has_not_text="Berlin")).to_have_count(0)
    await expect(page.get_by_text(re.compile(r"\d+ postings, newest first"))).to_be_visible()
    assert await newest_first(rows)

    # Keywords typed (not yet a chip) and the location, saved; the next visit starts from
    # both.
    await unfold_filters(page)
    await page.get_by_label("Keywords", exact=True).fill("python")
    await page.get_by_role("button", name="Save keywords").click()
    await expect(page.locator("#keywords-saved")).to_have_text(
        "Saved as your keywords: python; location: Berlin."
    )
    await journey.open("/results")
    await expect(page.get_by_role("heading", name="Ranked postings")).to_be_visible()
    if size == "phone":  # folded, the filters still say what the postings are ranked by
        await expect(page.get_by_text("Filters (python; in Berlin)")).to_be_visible()
    await unfold_filters(page)
    await expect(page.locator(".chip")).to_have_count(1)
    await expect(page.get_by_role("button", name="Remove keyword python")).to_be_visible()
    await expect(page.get_by_label("Location")).to_have_value("Berlin")
    ranked = await rows.count()
    assert ranked >= 2
    await expect(places.filter(has_not_text="Berlin")).to_have_count(0)
    scores = await rows.locator(".score").all_inner_texts()
    assert all(int(score) >= 1 for score in scores), scores
    await expect(rows.locator(".matched .tag")).to_have_count(ranked)
    titles = await rows.locator("a.job-title").all_inner_texts()

    # A posting's own page, then the next one in these results.
    await rows.first.locator("a.job-title").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text(titles[0])
    await expect(page.get_by_text(f"1 of {ranked}")).to_be_visible()
    await page.get_by_role("link", name="Next posting").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text(titles[1])
    await expect(page.get_by_text(f"2 of {ranked}")).to_be_visible()
    assert not await page_overflows(page)
    chosen = page.get_by_label(f"Status of {titles[1]}")
    await chosen.select_option("interested")
    await expect(page.locator(".status-form .saved")).to_have_text("Saved")
    shown = re.search(r"/postings/(\d+)", page.url)
    assert shown

    # The board: the posting is Interested; one card dragged, another moved by keyboard.
    await go_to(page, "Board")
    interested = page.locator(".board-column-interested")
    await expect(interested.locator(f'[data-posting-id="{shown[1]}"]')).to_be_visible()
    await expect(interested.locator("[data-count]")).to_have_text("1 job")
    assert await columns_within_reach(page)
    await drag_a_new_card_to_applied(page)
    await key_a_new_card_to_interested(page)
    await expect(interested.locator("[data-count]")).to_have_text("2 jobs")
    await expect(page.locator(".board-column-applied [data-count]")).to_have_text("1 job")

    # The alerts page: nothing yet, and how to get some.
    await go_to(page, "Alerts")
    await expect(page.get_by_role("heading", name="Alerts", exact=True)).to_be_visible()
    await expect(page.get_by_role("heading", name="0 unread")).to_be_visible()
    await expect(page.get_by_text("No alerts yet.")).to_be_visible()
    assert not await page_overflows(page)

    # The board again, as it looks when the system asks for dark colours.
    await page.emulate_media(color_scheme="dark")
    await go_to(page, "Board")
    await expect(interested.locator("[data-count]")).to_have_text("2 jobs")
    assert await page.evaluate("getComputedStyle(document.body).backgroundColor") == (
        DARK_BACKGROUND
    )
    assert not await page_overflows(page)
    await journey.snap(f"board-dark-{size}")

    await context.close()
    assert journey.errors == []
