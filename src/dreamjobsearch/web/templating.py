"""The one Jinja2 environment of the pages (autoescaped, templates compiled once and cached)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from starlette.requests import Request
from starlette.responses import HTMLResponse

from dreamjobsearch import __version__
from dreamjobsearch.domain.tracking import MAX_COMPANY_LENGTH, MAX_NOTE_LENGTH
from dreamjobsearch.sources.catalog import COMPANY_BOARDS, SOURCES

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"
STATIC_PREFIX = "/static"


def static_url(path: str) -> str:
    """The URL of a static file; the version busts browser caches after an upgrade."""
    return f"{STATIC_PREFIX}/{path}?v={__version__}"


def as_datetime(value: datetime | float | None) -> datetime | None:
    """A datetime from a datetime or epoch seconds (session records keep epoch seconds)."""
    if value is None or isinstance(value, datetime):
        return value
    return datetime.fromtimestamp(value, UTC)


def when(value: datetime | float | None) -> str:
    """A time as people read it, in UTC: `2026-11-02 14:03 UTC`."""
    moment = as_datetime(value)
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC") if moment else ""


def day(value: datetime | float | None) -> str:
    """A date: `2026-11-02`."""
    moment = as_datetime(value)
    return moment.astimezone(UTC).strftime("%Y-%m-%d") if moment else ""


def iso(value: datetime | float | None) -> str:
    """A time for `<time datetime=...>`."""
    moment = as_datetime(value)
    return moment.isoformat() if moment else ""


def kib(value: int) -> str:
    """A byte count in KiB, for the admin monitor."""
    return f"{value / 1024:,.1f} KiB"


def mib(value: int) -> str:
    """A byte count in MiB, for the admin monitor's workspaces."""
    return f"{value / 2**20:,.1f} MiB"


def _build() -> Environment:
    environment = Environment(
        loader=FileSystemLoader(TEMPLATES_DIR),
        autoescape=True,
        undefined=StrictUndefined,
        # Templates do not change while the server runs: compile each once.
        auto_reload=False,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.filters.update(when=when, day=day, iso=iso, kib=kib, mib=mib)
    environment.globals.update(
        static=static_url,
        version=__version__,
        max_note_length=MAX_NOTE_LENGTH,
        max_company_length=MAX_COMPANY_LENGTH,
        # The pages name the boards the catalog has, so a new board needs no template edit.
        company_boards=COMPANY_BOARDS,
        company_board_titles=[SOURCES[name].spec.title for name in COMPANY_BOARDS],
    )
    return environment


ENVIRONMENT = _build()


def render(
    request: Request,
    name: str,
    context: Mapping[str, Any],
    *,
    status_code: int = 200,
    headers: Mapping[str, str] | None = None,
) -> HTMLResponse:
    """Render a template to a response; templates also get the request's `path`."""
    html = ENVIRONMENT.get_template(name).render({"path": request.url.path, **context})
    return HTMLResponse(html, status_code=status_code, headers=dict(headers or {}))


def is_htmx(request: Request) -> bool:
    """Whether htmx sent the request (it wants a fragment, not a page)."""
    return request.headers.get("HX-Request") == "true"
