"""The interactive API reference at `/docs`: Swagger UI, served from the app itself.

Its script, stylesheet and icon are vendored from the `swagger-ui-dist` npm package into
`static/vendor/swagger-ui/` (licence and notice beside them), as htmx is, so the reference
works offline and no third party learns who reads it. FastAPI's own `/docs` (from a CDN) and
`/redoc` (a CDN and Google Fonts) are turned off in `create_app`; this page replaces the
first, and nothing the second.

The page is FastAPI's `get_swagger_ui_html`, built once, with the app. Its one inline
script starts Swagger UI; the page's Content-Security-Policy allows that script by its hash,
and everything else from this origin only.
"""

from __future__ import annotations

import base64
import hashlib
import re

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from dreamjobsearch.web.templating import static_url

DOCS_PATH = "/docs"
SWAGGER_UI = "vendor/swagger-ui"
# Swagger UI would otherwise send the schema's address to swagger.io's online validator.
SWAGGER_UI_PARAMETERS = {"validatorUrl": None}
_INLINE_SCRIPT = re.compile(r"<script>(.*?)</script>", re.DOTALL)


def docs_policy(inline_script: str) -> str:
    """The page's CSP: this origin's files, plus the one inline script, by its hash."""
    digest = base64.b64encode(hashlib.sha256(inline_script.encode()).digest()).decode()
    return "; ".join(
        (
            "default-src 'none'",
            f"script-src 'self' 'sha256-{digest}'",
            "style-src 'self'",
            # Swagger UI's icons are data: URIs in its stylesheet.
            "img-src 'self' data:",
            # The schema, and the requests "Try it out" sends.
            "connect-src 'self'",
            "form-action 'none'",
            "frame-ancestors 'none'",
            "base-uri 'none'",
        )
    )


def swagger_ui_page(title: str, openapi_url: str) -> tuple[bytes, str]:
    """Swagger UI's page for the schema at `openapi_url`, its assets from /static, and the
    CSP that allows nothing else."""
    page = bytes(
        get_swagger_ui_html(
            openapi_url=openapi_url,
            title=title,
            swagger_js_url=static_url(f"{SWAGGER_UI}/swagger-ui-bundle.js"),
            swagger_css_url=static_url(f"{SWAGGER_UI}/swagger-ui.css"),
            swagger_favicon_url=static_url(f"{SWAGGER_UI}/favicon-32x32.png"),
            swagger_ui_parameters=SWAGGER_UI_PARAMETERS,
        ).body
    )
    inline = _INLINE_SCRIPT.search(page.decode())
    if inline is None:
        raise RuntimeError("Swagger UI's page has no inline script to allow")
    return page, docs_policy(inline.group(1))


def install_api_docs(app: FastAPI) -> None:
    """Serve Swagger UI for `app`'s OpenAPI schema at /docs (when the app has a schema)."""
    if app.openapi_url is None:
        return
    page, policy = swagger_ui_page(f"{app.title} API reference", app.openapi_url)

    async def api_docs(_request: Request) -> Response:
        """The page built with the app, in a response of its own (middleware may add
        headers to a response, so none is shared between requests)."""
        return HTMLResponse(page, headers={"Content-Security-Policy": policy})

    app.add_route(DOCS_PATH, api_docs, include_in_schema=False)
