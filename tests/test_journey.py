"""The whole journey a newcomer takes: register, import, rank, watch logs, log out."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
from support import LiveServer, bearer, open_stream, put_file, register

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


async def test_register_import_rank_logs_logout(
    server: LiveServer, client: httpx.AsyncClient
) -> None:
    token = await register(client, "Newcomer@Example.com")
    headers = bearer(token)

    status = (await client.get("/auth/status", headers=headers)).json()
    assert status["email"] == "newcomer@example.com"

    sample = json.loads((EXAMPLES / "postings.json").read_text(encoding="utf-8"))
    first = await client.post("/job-postings/import", json=sample, headers=headers)
    assert first.status_code == 201
    assert first.json() == {"imported": 320, "duplicates": 0, "rejected": []}
    again = await client.post("/job-postings/import", json=sample, headers=headers)
    assert again.json() == {"imported": 0, "duplicates": 320, "rejected": []}

    ranked = await client.post(
        "/job-postings",
        json={"keywords": ["Python", "Django", "PostgreSQL"], "location": "poland", "limit": 5},
        headers=headers,
    )
    assert ranked.status_code == 200
    body = ranked.json()
    assert body["total"] >= len(body["job_postings"]) > 0
    scores = [item["score"] for item in body["job_postings"]]
    assert scores == sorted(scores, reverse=True)
    for item in body["job_postings"]:
        assert "poland" in item["job_location"].lower()
        assert item["score"] == len(item["matched_keywords"])

    ticket = (await client.post("/logs/ticket", headers=headers)).json()["ticket"]
    await put_file(client, headers, "mine.json", json.dumps(sample).encode())
    async with open_stream(client, ticket=ticket) as stream:
        started = await client.post(
            "/update-database",
            json={"queries": ["engineer"], "sources": [{"type": "file", "path": "mine.json"}]},
            headers=headers,
        )
        assert started.status_code == 202
        run_id = started.json()["run_id"]
        final = await stream.until(
            lambda e: e["kind"] == "run_state" and e["data"]["status"] == "succeeded"
        )
        assert final["run_id"] == run_id

        assert (await client.post("/logout", headers=headers)).status_code == 200
        assert await stream.ended()
    assert (await client.get("/auth/status", headers=headers)).status_code == 401
