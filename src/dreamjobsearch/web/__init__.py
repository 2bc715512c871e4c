"""The web UI: server-rendered pages (Jinja2 + htmx) served by the API's own app.

Pages authenticate with an HttpOnly session cookie holding the same token the JSON API
issues; every state-changing request carries a CSRF token. See `install_web`.
"""

from __future__ import annotations

from fastapi import FastAPI

from dreamjobsearch.config import Settings
from dreamjobsearch.web.csrf import CsrfSigner
from dreamjobsearch.web.routes import (
    admin,
    auth,
    board,
    companies,
    files,
    imports,
    postings,
    results,
    searches,
    sessions,
    tracking,
    unsubscribe,
)
from dreamjobsearch.web.static_files import StaticAssets
from dreamjobsearch.web.templating import STATIC_PREFIX


def install_web(app: FastAPI, settings: Settings) -> None:
    """Add the pages, their form and htmx endpoints, and the static files to `app`."""
    app.state.web_csrf = CsrfSigner(settings.jwt_secret_value)
    for module in (
        auth,
        searches,
        results,
        postings,
        imports,
        board,
        tracking,
        companies,
        files,
        sessions,
        admin,
        unsubscribe,
    ):
        app.include_router(module.router)
    app.mount(STATIC_PREFIX, StaticAssets(), name="static")
