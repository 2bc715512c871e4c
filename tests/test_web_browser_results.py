"""The Results page in a real browser: the note editor after a save and the keyboard
shortcuts with their help dialog. Needs Debian's Chromium, as tests/test_web_browser.py."""

from __future__ import annotations

import pytest
from conftest import ServerFactory
from playwright.async_api import Browser, expect
from support import LiveServer
from test_web_browser import Journey, browser, greenhouse, register

pytestmark = pytest.mark.browser

__all__ = ["browser", "greenhouse"]  # fixtures, used by name


@pytest.fixture
async def server(make_server: ServerFactory, greenhouse: str) -> LiveServer:
    """The app, searching the fake Greenhouse."""
    return await make_server(greenhouse_base_url=greenhouse)


async def test_notes_and_keyboard_shortcuts_on_results(
    server: LiveServer, browser: Browser
) -> None:
    context = await browser.new_context(viewport={"width": 1280, "height": 900})
    page = await context.new_page()
    journey = Journey(page, server.base_url)
    await register(journey, "keys@example.com")
    await journey.open("/results")
    await page.get_by_role("button", name="Load sample postings").click()
    rows = page.locator("tr[data-posting-id]")
    await expect(rows.first).to_be_visible()

    # A saved note closes its editor and shows once; focus is back on the editor's summary.
    first = rows.first
    await first.locator("summary").click()
    await first.get_by_role("textbox").fill("Ask about the team")
    await first.get_by_role("button", name="Save note").click()
    await expect(first.get_by_role("status")).to_have_text("Note saved")
    await expect(first.locator(".note-text")).to_have_count(1)
    await expect(first.locator(".note-text")).to_contain_text("Ask about the team")
    await expect(first.locator("details.note-editor")).not_to_have_attribute("open", "")
    await expect(first.get_by_role("textbox")).to_be_hidden()
    await expect(first.locator("summary")).to_be_focused()
    await expect(first.locator("summary")).to_contain_text("Edit note")

    # The hint says how to find the shortcuts; ? opens them in a dialog, Escape closes it.
    await expect(page.get_by_text("Press ? for shortcuts")).to_be_visible()
    await page.locator("body").click(position={"x": 5, "y": 5})
    await page.keyboard.press("?")
    dialog = page.get_by_role("dialog", name="Keyboard shortcuts")
    await expect(dialog).to_be_visible()
    await page.keyboard.press("Escape")
    await expect(dialog).to_be_hidden()

    # j and k move between rows, s goes to the focused row's status.
    await page.keyboard.press("j")
    await expect(rows.nth(0)).to_be_focused()
    await page.keyboard.press("j")
    await expect(rows.nth(1)).to_be_focused()
    await page.keyboard.press("k")
    await expect(rows.nth(0)).to_be_focused()
    await page.keyboard.press("s")
    await expect(rows.nth(0).locator("select.status-select")).to_be_focused()

    # / goes to the keyword search, and what is typed there stays text.
    await page.locator("body").click(position={"x": 5, "y": 5})
    await page.keyboard.press("/")
    keywords = page.get_by_label("Keywords", exact=True)
    await expect(keywords).to_be_focused()
    await page.keyboard.type("jks?")
    await expect(keywords).to_have_value("jks?")
    await expect(dialog).to_be_hidden()

    await context.close()
    assert journey.errors == []
