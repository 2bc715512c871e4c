"""A short, human name for the device behind a login ("Firefox on Linux"), from its
User-Agent, so that people can tell their sessions apart. Never used for security decisions:
the header is whatever the client says."""

from __future__ import annotations

import re

MAX_DEVICE = 120

# The first match wins: more specific names before the ones they contain (Edge and Opera
# say "Chrome", Chrome says "Safari").
_BROWSERS = (
    ("Edge", re.compile(r"\bEdg(?:e|A|iOS)?/")),
    ("Opera", re.compile(r"\bOPR/|\bOpera\b")),
    ("Firefox", re.compile(r"\bFirefox/|\bFxiOS/")),
    ("Chrome", re.compile(r"\bChrome/|\bCriOS/|\bChromium/")),
    ("Safari", re.compile(r"\bSafari/")),
    ("curl", re.compile(r"^curl/")),
    ("HTTPie", re.compile(r"^HTTPie/")),
    ("Python", re.compile(r"^python-(?:httpx|requests)/|^Python-urllib/")),
)
_SYSTEMS = (
    ("Android", re.compile(r"\bAndroid\b")),
    ("iPhone", re.compile(r"\biPhone\b")),
    ("iPad", re.compile(r"\biPad\b")),
    ("Windows", re.compile(r"\bWindows\b")),
    ("macOS", re.compile(r"\bMac OS X\b|\bMacintosh\b")),
    ("ChromeOS", re.compile(r"\bCrOS\b")),
    ("Linux", re.compile(r"\bLinux\b")),
)


def describe_device(user_agent: str | None) -> str:
    """`"<browser> on <system>"`, or as much of it as is known; "" when nothing is."""
    if not user_agent:
        return ""
    agent = user_agent[:512]
    browser = next((name for name, pattern in _BROWSERS if pattern.search(agent)), "")
    system = next((name for name, pattern in _SYSTEMS if pattern.search(agent)), "")
    if browser and system:
        return f"{browser} on {system}"
    if browser or system:
        return browser or system
    # Something else (a script, a bot): its product token, trimmed.
    return agent.split()[0][:MAX_DEVICE] if agent.split() else ""
