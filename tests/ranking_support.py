"""Helpers for the tests that import postings and rank them through the API."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
from support import LiveServer, bearer, register

from dreamjobsearch.search.index import RankingIndex
from dreamjobsearch.storage.search_terms import keyword_tokens

RANK = "/job-postings"


def posting(name: str, description: str = "", **fields: Any) -> dict[str, Any]:
    """A posting titled `name` (its link derives from it)."""
    row: dict[str, Any] = {
        "link": f"https://careers.example.com/jobs/{name.lower().replace(' ', '-')}",
        "title": name,
        "company": "Example Co",
        "location": "Berlin, Germany",
        "description": description,
        "posted_at": "2026-11-01T09:00:00Z",
    }
    row.update(fields)
    return row


async def import_rows(
    client: httpx.AsyncClient, headers: dict[str, str], rows: list[dict[str, Any]]
) -> None:
    """Import `rows` for the user (asserting every row is taken)."""
    response = await client.post("/job-postings/import", json={"postings": rows}, headers=headers)
    assert response.status_code == 201, response.text
    assert response.json()["rejected"] == []


async def user_with(
    client: httpx.AsyncClient, rows: list[dict[str, Any]], email: str = "ranker@example.com"
) -> dict[str, str]:
    """Register a user, import `rows` for them, return their auth headers."""
    headers = bearer(await register(client, email))
    await import_rows(client, headers, rows)
    return headers


async def rank_page(
    client: httpx.AsyncClient, headers: dict[str, str], keywords: list[str], **extra: Any
) -> dict[str, Any]:
    """One ranking response body (asserting success)."""
    response = await client.post(RANK, json={"keywords": keywords, **extra}, headers=headers)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def titles(
    client: httpx.AsyncClient, headers: dict[str, str], keywords: list[str], **extra: Any
) -> list[str]:
    """The titles ranked for `keywords`, in order."""
    body = await rank_page(client, headers, keywords, limit=500, **extra)
    return [item["job_title"] for item in body["job_postings"]]


async def prepared_index(
    server: LiveServer,
    user_id: int,
    size: int | None = None,
    keywords: tuple[str, ...] = (),
    within: float = 10,
) -> RankingIndex:
    """The user's index once the process holds it (with `size` postings, if given) and
    the sets of `keywords` in it."""
    rankings = server.services.workspace_services.rankings
    deadline = asyncio.get_running_loop().time() + within

    def ready(index: RankingIndex | None) -> bool:
        return (
            index is not None
            and size in (None, index.size)
            and all(index.keyword_set(keyword_tokens(keyword)) is not None for keyword in keywords)
        )

    while not ready(index := rankings.held(user_id)):
        assert asyncio.get_running_loop().time() < deadline, "no index was prepared"
        await asyncio.sleep(0.02)
    assert index is not None
    return index


async def cold_start(server: LiveServer, user_id: int) -> None:
    """Drop the process's indexes, as a restart would, once the one the import prepared
    in the background is held (so that it cannot arrive after the drop)."""
    await prepared_index(server, user_id)
    server.services.workspace_services.rankings.clear()
