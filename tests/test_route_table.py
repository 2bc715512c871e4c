"""The app's route table: every path operation sits in it directly, in its declared order,
and the OpenAPI document groups each operation under the tags its route declares."""

from __future__ import annotations

import httpx
import pytest
from fastapi import APIRouter, FastAPI
from support import bearer, register

from dreamjobsearch.http_common.route_table import add_routes


async def test_each_operation_is_listed_under_its_own_tags_once(
    client: httpx.AsyncClient,
) -> None:
    document = (await client.get("/openapi.json")).json()
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            tags = operation["tags"]
            assert len(tags) == len(set(tags)), (method, path, tags)
    keywords = document["paths"]["/me/keywords"]["get"]
    assert keywords["tags"] == ["saved lists"]
    board = document["paths"]["/job-postings/board"]["get"]
    assert board["tags"] == ["job postings"]


async def test_named_routes_win_over_a_posting_id(client: httpx.AsyncClient) -> None:
    auth = bearer(await register(client, "table@example.com"))
    board = await client.get("/job-postings/board", headers=auth)
    assert board.status_code == 200, board.text
    export = await client.get("/job-postings/export", headers=auth)
    assert export.status_code == 200, export.text
    assert (await client.get("/job-postings/12345", headers=auth)).status_code == 404


def test_a_router_that_includes_another_is_refused() -> None:
    inner = APIRouter()

    @inner.get("/inner")
    async def inner_route() -> dict[str, bool]:
        return {"ok": True}

    outer = APIRouter()
    outer.include_router(inner)
    with pytest.raises(TypeError, match="path operations only"):
        add_routes(FastAPI(), outer)
