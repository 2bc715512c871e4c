"""A short, human name for the device behind a login ("Firefox 132 on Linux"), from its
User-Agent, so that people can tell their sessions apart. Never used for security decisions:
the header is whatever the client says.

The parsing is ua-parser's (uap-core's rules, kept up to date upstream), not ours: a
hand-written list of patterns fell behind browsers (headless Chromium showed as Safari).
"""

from __future__ import annotations

from functools import cache, lru_cache

from ua_parser import BestAvailableResolver, Domain, Parser, load_lazy_builtins

MAX_DEVICE = 120
# Longer headers are cut before parsing: real ones are far shorter, and the cut keeps the
# cache's keys small.
MAX_AGENT = 512
# Logins come from a few browsers again and again: distinct agents seen by one process.
CACHE_SIZE = 1024
# ua-parser's name for a browser or system its rules do not know.
UNKNOWN = "Other"


@cache
def _parser() -> Parser:
    """ua-parser's fastest resolver (the Rust one), built once, on the first login: building
    its rules takes a fifth of a second, which a process that never logs anyone in is spared.
    No cache of its own: `describe_device` caches the whole answer."""
    return Parser(BestAvailableResolver(load_lazy_builtins()))


def describe_device(user_agent: str | None) -> str:
    """`"<browser> <major version> on <system>"`, or as much of it as is known; "" when
    nothing is."""
    if not user_agent:
        return ""
    return _describe(user_agent[:MAX_AGENT])


@lru_cache(maxsize=CACHE_SIZE)
def _describe(agent: str) -> str:
    """The device name of one (already cut) User-Agent."""
    result = _parser()(agent, Domain.USER_AGENT | Domain.OS)
    browser = ""
    if result.user_agent and result.user_agent.family != UNKNOWN:
        browser = " ".join(filter(None, (result.user_agent.family, result.user_agent.major)))
    system = result.os.family if result.os and result.os.family != UNKNOWN else ""
    if browser and system:
        return f"{browser} on {system}"[:MAX_DEVICE]
    if browser or system:
        return (browser or system)[:MAX_DEVICE]
    # Something the rules do not know (a script, a bot): its product token, trimmed.
    words = agent.split()
    return words[0][:MAX_DEVICE] if words else ""
