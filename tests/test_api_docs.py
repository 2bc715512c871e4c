"""The interactive API reference works offline: /docs loads Swagger UI from the app itself,
under a policy that allows nothing from elsewhere."""

from __future__ import annotations

import base64
import hashlib
import re

import httpx

# Every address the page loads: stylesheets, scripts, icons, and anything else it links.
ASSET = re.compile(r'(?:src|href)="([^"]+)"')
INLINE_SCRIPT = re.compile(r"<script>(.*?)</script>", re.DOTALL)


async def _docs(client: httpx.AsyncClient) -> httpx.Response:
    docs = await client.get("/docs", headers={"Accept": "text/html"})
    assert docs.status_code == 200, docs.text
    assert docs.headers["content-type"].startswith("text/html")
    return docs


async def test_the_reference_loads_only_this_apps_files_and_they_are_served(
    client: httpx.AsyncClient,
) -> None:
    docs = await _docs(client)
    assets = ASSET.findall(docs.text)
    assert len(assets) == 3  # Swagger UI's stylesheet, icon and script
    types = {}
    for asset in assets:
        assert asset.startswith("/static/vendor/swagger-ui/"), asset
        served = await client.get(asset)
        assert served.status_code == 200, asset
        types[asset.split("?")[0].rsplit(".", 1)[1]] = served.headers["content-type"]
    assert types["js"].startswith(("text/javascript", "application/javascript"))
    assert types["css"].startswith("text/css")
    assert types["png"] == "image/png"
    assert "cdn." not in docs.text
    assert "'/openapi.json'" in docs.text
    assert (await client.get("/openapi.json")).status_code == 200


async def test_swagger_uis_licence_is_served_beside_it(client: httpx.AsyncClient) -> None:
    for name in ("LICENSE", "NOTICE", "swagger-ui-bundle.js.LICENSE.txt"):
        served = await client.get(f"/static/vendor/swagger-ui/{name}")
        assert served.status_code == 200, name
    notice = await client.get("/static/vendor/swagger-ui/NOTICE")
    assert "swagger-ui" in notice.text


async def test_the_reference_allows_its_own_start_script_and_nothing_else_inline(
    client: httpx.AsyncClient,
) -> None:
    docs = await _docs(client)
    policy = dict(
        directive.strip().split(" ", 1)
        for directive in docs.headers["content-security-policy"].split(";")
    )
    scripts = INLINE_SCRIPT.findall(docs.text)
    assert len(scripts) == 1
    digest = base64.b64encode(hashlib.sha256(scripts[0].encode()).digest()).decode()
    assert policy["script-src"] == f"'self' 'sha256-{digest}'"
    assert policy["default-src"] == "'none'"
    assert policy["style-src"] == "'self'"
    assert policy["connect-src"] == "'self'"
    assert policy["frame-ancestors"] == "'none'"
    assert "unsafe-inline" not in docs.headers["content-security-policy"]
    assert docs.headers["x-frame-options"] == "DENY"
    # No schema address sent to swagger.io's validator.
    assert '"validatorUrl": null' in scripts[0]


async def test_redoc_is_not_served(client: httpx.AsyncClient) -> None:
    redoc = await client.get("/redoc", headers={"Accept": "application/json"})
    assert redoc.status_code == 404


async def test_every_operation_documents_the_servers_own_refusals(
    client: httpx.AsyncClient,
) -> None:
    # A client generated from the document must know every status the server can answer,
    # including those given before a route runs: a body, a URL or headers over the limits.
    paths = (await client.get("/openapi.json")).json()["paths"]
    for path, operations in paths.items():
        for method, operation in operations.items():
            for status in ("413", "414", "431", "503"):
                documented = operation["responses"].get(status)
                assert documented is not None, f"{method.upper()} {path} lacks {status}"
                assert "application/json" in documented["content"]
