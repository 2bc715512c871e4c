"""The web UI: server-rendered pages (Jinja2 + htmx) served by the API's own app.

Pages authenticate with an HttpOnly session cookie holding the same token the JSON API
issues; every state-changing request carries a CSRF token. See `install_web`.
"""

from __future__ import annotations

from fastapi import FastAPI

from dreamjobsearch.config import Settings
from dreamjobsearch.http_common.route_table import add_routes
from dreamjobsearch.web.api_docs import install_api_docs
from dreamjobsearch.web.csrf import CsrfSigner
from dreamjobsearch.web.routes import (
    admin,
    alerts,
    auth,
    board,
    companies,
    files,
    imports,
    postings,
    results,
    saved_searches,
    searches,
    sessions,
    tracking,
    unsubscribe,
    welcome,
)
from dreamjobsearch.web.static_files import StaticAssets
from dreamjobsearch.web.templating import STATIC_PREFIX


def install_web(app: FastAPI, settings: Settings) -> None:
    """Add the pages, their form and htmx endpoints, the API reference and the static files
    to `app`."""
    app.state.web_csrf = CsrfSigner(settings.jwt_secret_value)
    add_routes(
        app,
        auth.router,
        searches.router,
        results.router,
        postings.router,
        imports.router,
        board.router,
        tracking.router,
        companies.router,
        files.router,
        sessions.router,
        admin.router,
        saved_searches.router,
        alerts.router,
        unsubscribe.router,
        welcome.router,
    )
    install_api_docs(app)
    app.mount(STATIC_PREFIX, StaticAssets(), name="static")
