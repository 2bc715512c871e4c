"""HTTP hardening: security headers on every answer, CORS only for configured origins."""

from __future__ import annotations

import pytest
from conftest import ServerFactory
from support import LiveServer, bearer, register

from dreamjobsearch.config import Settings


async def test_api_answers_carry_the_security_headers(server: LiveServer) -> None:
    async with server.client() as client:
        token = await register(client, "headers@example.com")
        for response in (
            await client.get("/healthz"),
            await client.get("/auth/status", headers=bearer(token)),
            await client.get("/runs/nope", headers=bearer(token)),  # an error answer too
            await client.post("/login", json={}),
        ):
            assert response.headers["x-content-type-options"] == "nosniff"
            assert response.headers["x-frame-options"] == "DENY"
            assert response.headers["referrer-policy"] == "no-referrer"
            assert response.headers["content-security-policy"] == (
                "default-src 'none'; frame-ancestors 'none'"
            )
        status = await client.get("/auth/status", headers=bearer(token))
        assert status.headers["cache-control"] == "no-store"


async def test_authenticated_answers_are_never_cached(server: LiveServer) -> None:
    async with server.client() as client:
        token = await register(client, "cache@example.com")
        headers = bearer(token)
        imported = await client.post(
            "/job-postings/import",
            json={"postings": [{"link": "https://jobs.example.com/1", "title": "Python dev"}]},
            headers=headers,
        )
        assert imported.status_code == 201, imported.text
        posting_id = (
            await client.post("/job-postings", json={"keywords": ["python"]}, headers=headers)
        ).json()["job_postings"][0]["id"]
        for response in (
            await client.get("/sessions", headers=headers),
            await client.get(f"/job-postings/{posting_id}", headers=headers),
            await client.get(
                "/job-postings/export", params={"keywords": "python"}, headers=headers
            ),
            await client.get("/job-postings/board", headers=headers),
            await client.get("/me/keywords", headers=headers),
            await client.get("/me/blocked-companies", headers=headers),
            await client.get("/me/secrets", headers=headers),
            await client.get("/runs", headers=headers),
            await client.post("/logs/ticket", headers=headers),
            await client.post("/job-postings/seen", headers=headers),
            await client.get("/runs/nope", headers=headers),  # an error answer too
        ):
            assert response.status_code < 500, response.text
            assert response.headers["cache-control"] == "no-store", response.request.url
        static = await client.get("/static/favicon.svg")
        assert static.status_code == 200
        assert "cache-control" not in static.headers  # the same for everyone: cacheable


async def test_pages_keep_their_own_policy_and_the_docs_still_load(server: LiveServer) -> None:
    async with server.client() as client:
        page = await client.get("/login")
        assert "script-src 'self'" in page.headers["content-security-policy"]
        docs = await client.get("/docs")
        assert docs.status_code == 200
        # Its own policy: Swagger UI's files from here, and its one start script by hash.
        assert docs.headers["content-security-policy"].startswith(
            "default-src 'none'; script-src 'self' 'sha256-"
        )
        assert docs.headers["x-frame-options"] == "DENY"


async def test_no_cross_origin_access_by_default(server: LiveServer) -> None:
    async with server.client() as client:
        preflight = await client.options(
            "/job-postings",
            headers={
                "Origin": "https://evil.example.com",
                "Access-Control-Request-Method": "POST",
            },
        )
        assert "access-control-allow-origin" not in preflight.headers


async def test_configured_origins_may_call_the_api_with_bearer_tokens(
    make_server: ServerFactory,
) -> None:
    server = await make_server(cors_origins="https://app.example.com, https://other.example.com/")
    async with server.client() as client:
        allowed = await client.options(
            "/job-postings",
            headers={
                "Origin": "https://other.example.com",
                "Access-Control-Request-Method": "POST",
                "Access-Control-Request-Headers": "authorization, content-type",
            },
        )
        assert allowed.status_code == 200
        assert allowed.headers["access-control-allow-origin"] == "https://other.example.com"
        assert "access-control-allow-credentials" not in allowed.headers
        refused = await client.options(
            "/job-postings",
            headers={"Origin": "https://evil.example.com", "Access-Control-Request-Method": "POST"},
        )
        assert "access-control-allow-origin" not in refused.headers


def test_a_malformed_origin_refuses_to_start() -> None:
    with pytest.raises(ValueError, match="must start with http"):
        Settings(_env_file=None, cors_origins="app.example.com")


async def test_a_refused_body_is_answered_with_the_security_headers_and_cors(
    make_server: ServerFactory,
) -> None:
    """The size limit and the headers live in one middleware: a 413 it sends itself still
    carries the headers, and a configured origin can still read it."""
    server = await make_server(max_request_bytes=1000, cors_origins="https://app.example.com")
    async with server.client() as client:
        refused = await client.post(
            "/register", content=b"x" * 5000, headers={"Origin": "https://app.example.com"}
        )
        assert refused.status_code == 413
        assert refused.json() == {"detail": "request body too large: at most 1000 bytes"}
        assert refused.headers["x-content-type-options"] == "nosniff"
        assert refused.headers["cache-control"] == "no-store"
        assert refused.headers["access-control-allow-origin"] == "https://app.example.com"
