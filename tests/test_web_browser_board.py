"""The board and the narrow header in a real browser (Debian's Chromium, Playwright): a card
dragged onto another column changes status and stays there, the keyboard moves one too, New
folds away and stays folded, seven columns fit a 1280 px screen by scrolling inside the board,
and on a phone the header is one row with a menu while the Results filters start folded."""

from __future__ import annotations

import pytest
from playwright.async_api import Browser, Page, expect
from support import LiveServer
from test_web_browser import SIZES, Journey, browser, page_overflows, register, unfold_filters

pytestmark = pytest.mark.browser
# Fixtures of the browser tests, used here by name.
__all__ = ["browser"]

DESKTOP = SIZES["desktop"]
PHONE = SIZES["phone"]


async def load_samples(journey: Journey) -> None:
    """Fill a new account with the sample postings from the empty Results page."""
    await journey.open("/results")
    await journey.page.get_by_role("button", name="Load sample postings").click()
    await expect(journey.page.locator("tbody tr").first).to_be_visible()


async def columns_within_reach(page: Page) -> bool:
    """Whether a card can be dragged to any column without crossing pages of others: side
    by side, the columns scroll inside the board; stacked on a phone, each is as wide as
    the board and the last ends within two screens of the top, however many cards New has."""
    return bool(
        await page.locator(".board").evaluate(
            """board => {
                const columns = [...board.querySelectorAll('.board-column')];
                if (getComputedStyle(board).flexDirection === 'row') {
                    return board.scrollHeight <= 1.5 * window.innerHeight;
                }
                const last = columns[columns.length - 1].getBoundingClientRect();
                return columns.every(c => c.offsetWidth === board.clientWidth)
                    && last.bottom + window.scrollY <= 2 * window.innerHeight;
            }"""
        )
    )


async def drag_a_new_card_to_applied(page: Page) -> str:
    """Drag the board's first New card onto Applied; once it shows there, its posting id.

    As a hand does: press, move a little (the drag starts), then on to Applied, scrolling
    the page when it is below the screen (as on a phone), and let go. A drag that scrolls
    before it has started (Locator.drag_to) never starts."""
    card = page.locator(".board-column-new .board-card").first
    dragged = await card.get_attribute("data-posting-id")
    assert dragged
    await card.hover()
    grip = await card.bounding_box()
    assert grip
    await page.mouse.down()
    await page.mouse.move(grip["x"] + grip["width"] / 2, grip["y"] + grip["height"] / 2 + 10)
    applied = page.locator(".board-column-applied")
    await applied.hover()
    await page.mouse.up()
    await expect(applied.locator(f'[data-posting-id="{dragged}"]')).to_be_visible()
    await expect(page.locator("#board-announcer")).to_contain_text("to Applied.")
    return dragged


async def key_a_new_card_to_interested(page: Page) -> str:
    """Move the board's first New card to Interested the keyboard way (its status, then
    the down arrow); once it shows there, its posting id."""
    moved = await page.locator(".board-column-new .board-card").first.get_attribute(
        "data-posting-id"
    )
    assert moved
    await page.locator(f"#status-{moved}").focus()
    await page.keyboard.press("ArrowDown")  # New → Interested
    interested = page.locator(".board-column-interested")
    await expect(interested.locator(f'[data-posting-id="{moved}"]')).to_be_visible()
    return moved


async def test_cards_move_by_drag_and_by_keyboard_and_new_folds(
    server: LiveServer, browser: Browser
) -> None:
    context = await browser.new_context(viewport=DESKTOP)
    journey = Journey(await context.new_page(), server.base_url)
    page = journey.page
    await register(journey, "board@example.com")
    await load_samples(journey)

    await journey.open("/board")
    # Nothing was acted on yet: every posting is New.
    for status in ("interested", "applied", "interviewing", "offer", "rejected", "archived"):
        await expect(page.locator(f".board-column-{status} [data-count]")).to_have_text("0 jobs")
    # Seven columns fit by scrolling inside the board, not the page.
    assert not await page_overflows(page)
    assert await page.locator(".board").evaluate("b => b.scrollWidth > b.clientWidth")

    # Drag a card onto Applied: it moves, and stays there on reload.
    dragged = await drag_a_new_card_to_applied(page)
    applied = page.locator(".board-column-applied")
    await page.reload()
    await expect(applied.locator(f'[data-posting-id="{dragged}"]')).to_be_visible()
    await expect(applied.locator("[data-count]")).to_have_text("1 job")

    # The keyboard: Tab to a card's status and pick another with the arrow keys.
    moved = await key_a_new_card_to_interested(page)
    interested = page.locator(".board-column-interested")
    await page.reload()
    await expect(interested.locator(f'[data-posting-id="{moved}"]')).to_be_visible()

    # New folds away, and stays folded on reload and after a move.
    toggle = page.get_by_role("button", name="Collapse New")
    await expect(toggle).to_have_attribute("aria-expanded", "true")
    await toggle.click()
    await expect(toggle).to_have_attribute("aria-expanded", "false")
    await expect(page.locator(".board-column-new .board-card").first).to_be_hidden()
    await page.reload()
    await expect(toggle).to_have_attribute("aria-expanded", "false")
    await expect(page.locator(".board-column-new .board-card").first).to_be_hidden()
    await page.locator(f"#status-{moved}").select_option("offer")
    await expect(page.locator("#board-announcer")).to_contain_text("to Offer.")
    await expect(toggle).to_have_attribute("aria-expanded", "false")
    assert not await page_overflows(page)
    await toggle.click()
    await expect(page.locator(".board-column-new .board-card").first).to_be_visible()

    await journey.snap("board-drag")
    assert journey.errors == []
    await context.close()


async def test_on_a_phone_the_header_is_one_row_and_filters_fold(
    server: LiveServer, browser: Browser
) -> None:
    context = await browser.new_context(viewport=PHONE)
    journey = Journey(await context.new_page(), server.base_url)
    page = journey.page
    await register(journey, "phone@example.com")
    await load_samples(journey)

    # One row: the brand, Menu and Log out share a line; the links wait behind Menu.
    menu = page.get_by_role("button", name="Menu")
    brand = await page.locator(".brand").bounding_box()
    button = await menu.bounding_box()
    logout = await page.get_by_role("button", name="Log out").bounding_box()
    assert brand
    assert button
    assert logout
    assert abs(brand["y"] + brand["height"] / 2 - (button["y"] + button["height"] / 2)) < 8
    assert abs(logout["y"] - button["y"]) < 8
    assert brand["height"] <= button["height"]  # the name on one line
    nav = page.get_by_role("navigation", name="Main")
    await expect(nav).to_be_hidden()
    await expect(menu).to_have_attribute("aria-expanded", "false")
    await menu.click()
    await expect(menu).to_have_attribute("aria-expanded", "true")
    await expect(nav.get_by_role("link", name="Board")).to_be_visible()
    await page.keyboard.press("Escape")
    await expect(nav).to_be_hidden()
    header = await page.locator(".site-header-inner").evaluate(
        "h => h.scrollWidth <= h.clientWidth"
    )
    assert header, "the header's row is wider than the phone"

    # The filters are folded above the results, and open on request.
    await expect(page.locator("tbody tr").first).to_be_visible()
    await unfold_filters(page)
    await journey.snap("results-phone-filters")

    # Wide again, the filters are simply there.
    await page.set_viewport_size(DESKTOP)
    await page.reload()
    await expect(page.locator("#keywords")).to_be_visible()
    await expect(page.get_by_role("button", name="Menu")).to_be_hidden()
    assert journey.errors == []
    await context.close()
