"""Inputs the fuzzer found answering 500: each now gets a clear 4xx naming the problem."""

from __future__ import annotations

import pytest
from support import LiveServer, bearer, register


@pytest.mark.parametrize(
    "posting_id", ["0", "-1", "2147483648", "228641556065820323348480", "1e3", "abc"]
)
async def test_posting_ids_out_of_range_are_422(server: LiveServer, posting_id: str) -> None:
    async with server.client() as client:
        token = await register(client, "ids@example.com")
        for method, body in (("GET", None), ("PATCH", {"status": "applied"})):
            response = await client.request(
                method, f"/job-postings/{posting_id}", json=body, headers=bearer(token)
            )
            assert response.status_code == 422, (method, response.text)
            assert response.json()["detail"][0]["loc"] == ["path", "posting_id"]


async def test_a_file_name_with_a_nul_character_is_refused(server: LiveServer) -> None:
    async with server.client() as client:
        token = await register(client, "nul@example.com")
        response = await client.post(
            "/update-database",
            json={"queries": ["python"], "sources": [{"type": "file", "path": "a\u0000.json"}]},
            headers=bearer(token),
        )
        # Refused like any invalid text, naming the field (tests/test_invalid_text.py).
        assert response.status_code == 422, response.text
        assert response.json()["detail"][0]["loc"] == ["body", "sources", 0, "path"]
