"""The daily loop in a real browser (Debian's Chromium, Playwright): a new account lands on
the guide, saves a search with a schedule, its first run finds postings on a board served on
127.0.0.1, the header shows an alert badge, the alerts page lists them, and the digest
arrives at a local SMTP server; at desktop and phone sizes, in light and dark mode, with no
console errors. With DREAMJOB_DOCS_SCREENSHOTS=1 the README's screenshots are refreshed."""

from __future__ import annotations

import pytest
from conftest import ServerFactory
from playwright.async_api import Browser, expect
from processes import free_port
from test_alert_emails import Inbox, mail_settings, serving
from test_web_browser import (
    DARK_BACKGROUND,
    ENGINEER_JOBS,
    SIZES,
    Journey,
    browser,
    go_to,
    greenhouse,
    register,
)

pytestmark = pytest.mark.browser
# Fixtures of the browser tests, used here by name.
__all__ = ["browser", "greenhouse"]


@pytest.mark.parametrize("size", SIZES)
async def test_save_a_search_get_an_alert_and_an_email(
    make_server: ServerFactory, browser: Browser, greenhouse: str, size: str
) -> None:
    port = free_port()
    for inbox in serving(Inbox(), port):
        server = await make_server(greenhouse_base_url=greenhouse, **mail_settings(port))
        context = await browser.new_context(viewport=SIZES[size])
        journey = Journey(await context.new_page(), server.base_url)
        page = journey.page
        await register(journey, f"{size}@example.com")

        await journey.open("/saved")
        await page.get_by_label("Name").fill("Engineers at Acme")
        await page.get_by_label("Search for").fill("engineer")
        await page.get_by_label("LinkedIn").uncheck()
        await page.get_by_label("Company boards").fill("greenhouse:acme")
        await page.get_by_role("radio", name="Every").check()
        await page.get_by_label("Hours between runs").fill("6")
        await page.get_by_label("Email me a digest").check()
        await page.get_by_role("button", name="Save and run now").click()
        await expect(page.get_by_role("status")).to_contain_text("Its first run has started")
        await expect(page.get_by_role("cell", name="Every 6 hours")).to_be_visible()

        # The header's badge counts the new postings once the run has made its alerts.
        badge = page.locator(".badge-count")
        for _ in range(50):
            await journey.open("/saved")
            if await badge.count():
                break
            await page.wait_for_timeout(200)
        await expect(badge).to_contain_text(str(ENGINEER_JOBS))
        docs = size == "desktop"  # the README shows the desktop pages
        await journey.snap(f"saved-searches-{size}", docs="saved-searches.png" if docs else None)

        if size == "phone":  # the header's links wait behind its menu, marked for the badge
            menu = page.get_by_role("button", name="Menu")
            marker = await menu.evaluate("b => getComputedStyle(b, '::after').content")
            assert marker == '""'
        await go_to(page, "Alerts")
        await expect(page.locator(".alert-item")).to_have_count(ENGINEER_JOBS)
        await journey.snap(f"alerts-{size}")
        await page.get_by_role("button", name="Mark all read").click()
        await expect(page.get_by_role("heading", name="0 unread")).to_be_visible()
        await expect(badge).to_have_count(0)

        [message] = await inbox.wait()
        assert message["Subject"] == f"{ENGINEER_JOBS} new jobs for \u201cEngineers at Acme\u201d"
        html = message.get_body(("html",))
        assert html is not None
        mail = Journey(await context.new_page(), server.base_url)
        await mail.page.set_viewport_size({"width": 640, "height": 340})  # a mail reader's
        await mail.page.set_content(html.get_content())
        await expect(mail.page.get_by_text("Engineers at Acme")).to_be_visible()
        await mail.snap(f"alert-email-{size}", docs="alert-email.png" if docs else None)

        await page.emulate_media(color_scheme="dark")
        await journey.open("/saved")
        background = await page.evaluate("getComputedStyle(document.body).backgroundColor")
        assert background == DARK_BACKGROUND
        await journey.snap(f"saved-searches-dark-{size}")

        await context.close()
        assert journey.errors == []
        assert mail.errors == []
