"""The alert digest: one email per run with new matches, in plain text and HTML.

Everything a posting brings (title, company, location, link) came from a job board or a
user's file, so the HTML part escapes all of it and links only `http(s)` addresses.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import make_msgid
from html import escape
from urllib.parse import urlsplit

from dreamjobsearch.storage.alerts import AlertView

# A digest lists at most this many postings; the rest are in the app.
MAX_LISTED = 50


@dataclass(frozen=True, slots=True)
class DigestLinks:
    """The absolute links a digest carries: the app's alerts, and unsubscribing."""

    alerts: str
    unsubscribe: str


def compose_digest(
    to: str, search_name: str, count: int, listed: Sequence[AlertView], links: DigestLinks
) -> EmailMessage:
    """The digest of a run's `count` new matches of the saved search `search_name` for
    `to`, listing `listed` (the first `MAX_LISTED` of them)."""
    noun = "job" if count == 1 else "jobs"
    message = EmailMessage()
    message["To"] = to
    message["Subject"] = f"{count} new {noun} for \u201c{search_name}\u201d"
    message["Message-ID"] = make_msgid(domain=urlsplit(links.alerts).hostname or "localhost")
    # RFC 8058: mail clients offer their own one-click unsubscribe button with these.
    message["List-Unsubscribe"] = f"<{links.unsubscribe}>"
    message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(_text(search_name, count, listed, links))
    message.add_alternative(_html(search_name, count, listed, links), subtype="html")
    return message


def _where(alert: AlertView) -> str:
    return " \u00b7 ".join(part for part in (alert.company, alert.location) if part)


def _text(search_name: str, count: int, listed: Sequence[AlertView], links: DigestLinks) -> str:
    lines = [f"New matches for your saved search \u201c{search_name}\u201d:", ""]
    for alert in listed:
        lines.append(alert.title)
        if where := _where(alert):
            lines.append(where)
        if alert.matched:
            lines.append("Matched: " + ", ".join(alert.matched))
        lines += [alert.link, ""]
    if count > len(listed):
        lines += [f"...and {count - len(listed)} more: {links.alerts}", ""]
    lines += [
        f"All your alerts: {links.alerts}",
        f"Stop these emails for this search: {links.unsubscribe}",
    ]
    return "\n".join(lines) + "\n"


def _html(search_name: str, count: int, listed: Sequence[AlertView], links: DigestLinks) -> str:
    items = "\n".join(_html_item(alert) for alert in listed)
    more = (
        f'<p><a href="{escape(links.alerts)}">...and {count - len(listed)} more</a></p>'
        if count > len(listed)
        else ""
    )
    return f"""<!doctype html>
<html lang="en"><body style="font-family: sans-serif; line-height: 1.4">
<p>New matches for your saved search <strong>{escape(search_name)}</strong>:</p>
<ul style="padding-left: 1.2em">
{items}
</ul>
{more}
<p><a href="{escape(links.alerts)}">All your alerts</a></p>
<p style="color: #666; font-size: small">
<a href="{escape(links.unsubscribe)}">Stop these emails for this search</a></p>
</body></html>
"""


def _html_item(alert: AlertView) -> str:
    title = escape(alert.title)
    if urlsplit(alert.link).scheme in ("http", "https"):
        title = f'<a href="{escape(alert.link)}">{title}</a>'
    parts = [f"<strong>{title}</strong>"]
    if where := _where(alert):
        parts.append(escape(where))
    if alert.matched:
        parts.append("Matched: " + escape(", ".join(alert.matched)))
    return '<li style="margin-bottom: 0.8em">' + "<br>".join(parts) + "</li>"
