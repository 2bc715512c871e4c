"""`create_app(settings)`: the FastAPI app; its lifespan builds and closes every service."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.telemetry import TelemetryConfig

from dreamjobsearch import __version__
from dreamjobsearch.api import (
    account,
    admin,
    alerts,
    auth,
    files,
    health,
    jobs,
    logs,
    runs,
    saved_searches,
    secrets,
    sessions,
    tracking,
)
from dreamjobsearch.api.documented_errors import document_common_errors
from dreamjobsearch.api.edge import EdgeMiddleware
from dreamjobsearch.api.errors import install_error_handlers
from dreamjobsearch.clock import Clock
from dreamjobsearch.config import RunnerKind, Settings
from dreamjobsearch.http_common.route_table import add_routes
from dreamjobsearch.services import build_services
from dreamjobsearch.web import install_web
from dreamjobsearch.web.not_found import page_for_unknown_path

DESCRIPTION = """
Collect job postings for your searches and rank them by the keywords you care about.

Register or log in to get a bearer token, then send it as `Authorization: Bearer <token>`.
"""
NO_TELEMETRY: TelemetryConfig = {"tracing": False, "metrics": False, "logs": False}


def create_app(settings: Settings | None = None, clock: Clock | None = None) -> FastAPI:
    """Build the app. Services (database, sessions, runner) start with the lifespan."""
    settings = settings or Settings()
    settings.check_retired()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        services = await build_services(settings, clock)
        app.state.services = services
        if settings.runner is RunnerKind.LOCAL:
            # Runs of this process's runner that a previous process left unfinished.
            await services.recover_runs()
        await services.log_mail_login()
        services.start_background()
        try:
            yield
        finally:
            await services.aclose()

    app = FastAPI(
        title="DreamJobSearch",
        version=__version__,
        description=DESCRIPTION,
        lifespan=lifespan,
        # FastAPI's reference pages load their scripts from a CDN: the web UI serves /docs
        # from the app's own files instead (web/api_docs.py), and there is no /redoc.
        docs_url=None,
        redoc_url=None,
        # No OpenTelemetry here: FastAPI's native telemetry would otherwise ask the global
        # providers on every request whether anyone is listening.
        telemetry=NO_TELEMETRY,
    )
    # A browser asking for an unknown address gets a page; API clients keep their JSON.
    install_error_handlers(app, not_found_page=page_for_unknown_path)
    # The body size limit and the security headers, in one layer (each layer costs every
    # request); CORS, when configured, outside it, so that a 413 still reaches a
    # cross-origin caller readable.
    app.add_middleware(EdgeMiddleware, max_bytes=settings.max_request_bytes)
    if settings.cors_origins:
        # Bearer tokens, not cookies, cross origins: credentials are never allowed.
        app.add_middleware(
            CORSMiddleware,
            allow_origins=list(settings.cors_origins),
            allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
            allow_headers=["Authorization", "Content-Type"],
            allow_credentials=False,
            max_age=600,
        )
    add_routes(
        app,
        auth.router,
        account.router,
        # Before the postings' own routes, so `/job-postings/board` and
        # `/job-postings/export` are not read as a posting id.
        tracking.router,
        jobs.router,
        runs.router,
        logs.router,
        sessions.router,
        secrets.router,
        files.router,
        saved_searches.router,
        alerts.router,
        admin.router,
        health.router,
    )
    document_common_errors(app)
    install_web(app, settings)
    return app
