"""Sessions say what device they were opened from, so people can tell them apart."""

from __future__ import annotations

import pytest
from support import PASSWORD, LiveServer, bearer, grant_admin

from dreamjobsearch.sessions.devices import describe_device

FIREFOX_LINUX = "Mozilla/5.0 (X11; Linux x86_64; rv:132.0) Gecko/20100101 Firefox/132.0"
CHROME_ANDROID = (
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Mobile Safari/537.36"
)
EDGE_WINDOWS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0"
)
CHROME_LINUX = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36"
)
# What Playwright's headless Chromium sends: it says Safari too, as every Chrome does.
HEADLESS_CHROME = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "HeadlessChrome/131.0.6778.33 Safari/537.36"
)
SAFARI_IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1"
)


@pytest.mark.parametrize(
    ("agent", "device"),
    [
        (FIREFOX_LINUX, "Firefox 132 on Linux"),
        (CHROME_LINUX, "Chrome 131 on Linux"),
        (HEADLESS_CHROME, "HeadlessChrome 131 on Linux"),
        (CHROME_ANDROID, "Chrome Mobile 131 on Android"),
        (EDGE_WINDOWS, "Edge 131 on Windows"),
        (SAFARI_IPHONE, "Mobile Safari 18 on iOS"),
        ("curl/8.5.0", "curl 8"),
        ("python-requests/2.32.3", "Python Requests 2"),
        # Unknown to the rules: the product token, as the client sent it.
        ("python-httpx/0.28.1", "python-httpx/0.28.1"),
        ("", ""),
        (None, ""),
        ("x" * 10_000, "x" * 120),
    ],
)
def test_a_user_agent_becomes_a_short_device_name(agent: str | None, device: str) -> None:
    assert describe_device(agent) == device


async def test_own_sessions_and_the_admin_monitor_show_each_device(server: LiveServer) -> None:
    async with server.client() as client:
        body = {"email": "admin@example.com", "password": PASSWORD}
        laptop = await client.post("/register", json=body, headers={"User-Agent": FIREFOX_LINUX})
        phone = await client.post("/login", json=body, headers={"User-Agent": CHROME_ANDROID})
        token = laptop.json()["access_token"]
        assert phone.status_code == 200
        await grant_admin(server, "admin@example.com")

        rows = (await client.get("/sessions", headers=bearer(token))).json()
        assert {row["device"] for row in rows} == {
            "Firefox 132 on Linux",
            "Chrome Mobile 131 on Android",
        }
        monitor = (await client.get("/admin/sessions", headers=bearer(token))).json()
        assert {row["device"] for row in monitor["sessions"]} == {
            "Firefox 132 on Linux",
            "Chrome Mobile 131 on Android",
        }
