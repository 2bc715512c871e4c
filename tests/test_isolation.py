"""Isolation: Bob tries every endpoint with Alice's ids (runs, postings, statuses, notes,
sessions, tickets, streams, secrets, saved lists): always 404 (or his own empty data), never
Alice's data, and nothing of hers changes."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
import pytest
from support import LiveServer, bearer, open_stream, register, wait_run

EXAMPLES = Path(__file__).resolve().parent.parent / "examples" / "postings.json"
# A board on a closed local port: the run fails fast, after publishing its events.
BOARD_RUN = {"queries": ["python"], "sources": [{"type": "greenhouse", "board": "acme"}]}


async def _alice_world(client: httpx.AsyncClient) -> dict[str, object]:
    """Alice with postings, a status and a note, a run, a secret, saved lists, a ticket."""
    alice = await register(client, "alice@example.com")
    imported = await client.post(
        "/job-postings/import",
        content=await asyncio.to_thread(EXAMPLES.read_bytes),
        headers={**bearer(alice), "Content-Type": "application/json"},
    )
    assert imported.status_code == 201, imported.text
    ranked = await client.post(
        "/job-postings", json={"keywords": ["python"], "limit": 1}, headers=bearer(alice)
    )
    posting_id = ranked.json()["job_postings"][0]["id"]
    tracked = await client.patch(
        f"/job-postings/{posting_id}",
        json={"status": "applied", "note": "alice's private note"},
        headers=bearer(alice),
    )
    assert tracked.status_code == 200, tracked.text
    run = await client.post("/update-database", json=BOARD_RUN, headers=bearer(alice))
    assert run.status_code == 202, run.text
    # Over before the test opens Alice's stream, so every event on it comes from a later run.
    await wait_run(client, bearer(alice), run.json()["run_id"])
    await client.put("/me/secrets/sheets", json={"value": "alice-secret"}, headers=bearer(alice))
    await client.put("/me/keywords", json={"keywords": ["alice-only"]}, headers=bearer(alice))
    await client.post("/me/blocked-companies", json={"company": "AliceCorp"}, headers=bearer(alice))
    sid = (await client.get("/auth/status", headers=bearer(alice))).json()["session"]["sid"]
    ticket = (await client.post("/logs/ticket", headers=bearer(alice))).json()["ticket"]
    return {
        "token": alice,
        "posting_id": posting_id,
        "run_id": run.json()["run_id"],
        "sid": sid,
        "ticket": ticket,
    }


async def test_another_user_never_reaches_alices_data(server: LiveServer) -> None:
    async with server.client() as client:
        alice = await _alice_world(client)
        bob = await register(client, "bob@example.com")
        as_bob = bearer(bob)
        posting, run, sid = alice["posting_id"], alice["run_id"], alice["sid"]

        not_found = [
            ("GET", f"/job-postings/{posting}", None),
            ("PATCH", f"/job-postings/{posting}", {"status": "rejected", "note": "bob was here"}),
            ("GET", f"/runs/{run}", None),
            ("POST", f"/runs/{run}/cancel", None),
            ("DELETE", f"/sessions/{sid}", None),
            ("DELETE", "/me/secrets/sheets", None),
            ("DELETE", "/me/blocked-companies/AliceCorp", None),
        ]
        for method, path, body in not_found:
            response = await client.request(method, path, json=body, headers=as_bob)
            assert response.status_code == 404, (method, path, response.text)
            assert "alice" not in response.text.lower()

        # Bob's own views show nothing of Alice's.
        for path in (
            "/runs",
            "/sessions",
            "/me/secrets",
            "/me/keywords",
            "/me/blocked-companies",
            "/job-postings/board",
        ):
            response = await client.get(path, headers=as_bob)
            assert response.status_code == 200, (path, response.text)
            assert "alice" not in response.text.lower(), path
            assert str(sid) not in response.text, path
        ranked = await client.post("/job-postings", json={"keywords": ["python"]}, headers=as_bob)
        assert ranked.json()["total"] == 0
        exported = await client.get(
            "/job-postings/export", params={"format": "json", "keywords": "python"}, headers=as_bob
        )
        assert exported.status_code == 200
        assert exported.json() == []

        # A ticket is bound to the session it was issued for, and works once: a leaked one
        # opens only its owner's stream, and only until it is used.
        async with open_stream(client, ticket=str(alice["ticket"])):
            pass  # (it opens Alice's own stream, as issued to her)
        reused = await client.get("/logs", params={"ticket": alice["ticket"]})
        assert reused.status_code == 401

        # Bob's stream carries none of Alice's events, while hers carries them.
        async with (
            open_stream(client, token=bob) as bobs,
            open_stream(client, token=str(alice["token"])) as alices,
        ):
            started = await client.post(
                "/update-database", json=BOARD_RUN, headers=bearer(str(alice["token"]))
            )
            assert started.status_code == 202, started.text
            # Hers carries the new run's events (read past any late one of her first run).
            started_id = started.json()["run_id"]
            while (await alices.next(within=10))["run_id"] != started_id:
                pass
            with pytest.raises(TimeoutError):
                await bobs.next(within=1.0)

        # Nothing of Alice's changed.
        alice_token = bearer(str(alice["token"]))
        detail = (await client.get(f"/job-postings/{posting}", headers=alice_token)).json()
        assert detail["status"] == "applied"
        assert detail["note"] == "alice's private note"
        assert [
            s["name"] for s in (await client.get("/me/secrets", headers=alice_token)).json()
        ] == ["sheets"]
        assert (await client.get("/auth/status", headers=alice_token)).status_code == 200
