"""Tracking your job search: statuses and notes, the board, blocked companies, saved
keywords, what is new since your last visit, and that nobody else sees or changes it."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from conftest import ServerFactory
from ranking_support import import_rows, posting, rank_page, titles, user_with
from services_available import fresh_postgres_database
from support import bearer, register

from dreamjobsearch.domain.tracking import STATUSES

BOARDS = (
    "https://boards.greenhouse.io/acme/jobs/{n}",
    "https://jobs.lever.co/acme/{n}",
)
ROWS = [
    posting("Python Developer", "Python and Django.", company="Acme"),
    posting("Python Engineer", "Python, FastAPI.", company="Globex"),
    posting("Data Engineer", "Python and SQL.", company="ACME  "),
    posting("Go Developer", "Go and Python.", company="Initech"),
]


async def ids_by_title(
    client: httpx.AsyncClient, headers: dict[str, str], keywords: list[str] | None = None
) -> dict[str, int]:
    """The user's ranked postings for `keywords` (default python), by title."""
    body = await rank_page(client, headers, keywords or ["python"], limit=500)
    return {item["job_title"]: item["id"] for item in body["job_postings"]}


async def track(
    client: httpx.AsyncClient, headers: dict[str, str], posting_id: int, **body: Any
) -> httpx.Response:
    """PATCH a posting's status and/or note."""
    return await client.patch(f"/job-postings/{posting_id}", json=body, headers=headers)


async def test_status_and_note_show_in_rankings_and_the_posting(client: httpx.AsyncClient) -> None:
    headers = await user_with(client, ROWS)
    ids = await ids_by_title(client, headers)
    response = await track(
        client, headers, ids["Python Engineer"], status="applied", note="  Call Tuesday  "
    )
    assert response.status_code == 200, response.text
    tracked = response.json()
    assert tracked["id"] == ids["Python Engineer"]
    assert tracked["status"] == "applied"
    assert tracked["note"] == "Call Tuesday"
    assert tracked["job_title"] == "Python Engineer"

    body = await rank_page(client, headers, ["python"], limit=500)
    shown = {item["job_title"]: item for item in body["job_postings"]}
    assert shown["Python Engineer"]["status"] == "applied"
    assert shown["Python Engineer"]["note"] == "Call Tuesday"
    assert shown["Python Developer"]["status"] == "new"
    detail = await client.get(f"/job-postings/{ids['Python Engineer']}", headers=headers)
    assert detail.json()["status"] == "applied"
    assert detail.json()["note"] == "Call Tuesday"

    # Only the note changes; an empty note clears it.
    note_only = await track(client, headers, ids["Python Engineer"], note="")
    assert note_only.json()["status"] == "applied"
    assert note_only.json()["note"] == ""


async def test_archived_and_rejected_leave_the_default_view(client: httpx.AsyncClient) -> None:
    headers = await user_with(client, ROWS)
    ids = await ids_by_title(client, headers)
    await track(client, headers, ids["Python Developer"], status="archived")
    await track(client, headers, ids["Data Engineer"], status="rejected")
    await track(client, headers, ids["Go Developer"], status="interviewing")

    default = await rank_page(client, headers, ["python"])
    assert default["total"] == 2
    assert {item["job_title"] for item in default["job_postings"]} == {
        "Python Engineer",
        "Go Developer",
    }
    finished = await titles(client, headers, ["python"], statuses=["archived", "rejected"])
    assert set(finished) == {"Python Developer", "Data Engineer"}
    assert await titles(client, headers, ["python"], statuses=["interviewing"]) == ["Go Developer"]
    assert await titles(client, headers, ["python"], statuses=["new"]) == ["Python Engineer"]
    everything = await rank_page(client, headers, ["python"], statuses=list(STATUSES))
    assert everything["total"] == 4


async def test_a_status_holds_for_the_same_job_on_every_board(client: httpx.AsyncClient) -> None:
    rows = [
        posting(
            "Rust Engineer", "Rust.", company="Hooli", link=BOARDS[0].format(n=1), location="Oslo"
        ),
        posting(
            "Rust Engineer", "Rust!", company="Hooli", link=BOARDS[1].format(n=2), location="Oslo"
        ),
    ]
    headers = await user_with(client, rows)
    [item] = (await rank_page(client, headers, ["rust"]))["job_postings"]
    assert len(item["links"]) == 2
    archived = await track(client, headers, item["id"], status="archived", note="remote only")
    assert archived.status_code == 200
    # Archiving the job archives every board's copy: it does not come back through another.
    assert await rank_page(client, headers, ["rust"]) == {"total": 0, "job_postings": []}
    # The board shows the job once, with every board it is on.
    archived_column = await board_column(client, headers, "archived")
    assert archived_column["count"] == 1
    [card] = archived_column["items"]
    assert card["note"] == "remote only"
    assert {link["link"] for link in card["links"]} == {
        BOARDS[0].format(n=1),
        BOARDS[1].format(n=2),
    }

    # Found later on a third board, the job keeps the status and note it has.
    await import_rows(
        client,
        headers,
        [
            posting(
                "Rust Engineer",
                "Rust?",
                company="Hooli",
                link="https://jobs.ashbyhq.com/hooli/3",
                location="Oslo",
            )
        ],
    )
    assert await rank_page(client, headers, ["rust"]) == {"total": 0, "job_postings": []}
    [card] = (await board_column(client, headers, "archived"))["items"]
    assert card["note"] == "remote only"
    assert len(card["links"]) == 3
    assert (await board_column(client, headers, "new"))["count"] == 0


async def board_column(
    client: httpx.AsyncClient, headers: dict[str, str], status: str
) -> dict[str, Any]:
    """One column of the user's board."""
    response = await client.get("/job-postings/board", params={"status": status}, headers=headers)
    assert response.status_code == 200, response.text
    [column] = response.json()["columns"]
    assert column["status"] == status
    column_body: dict[str, Any] = column
    return column_body


async def test_board_groups_your_postings_by_status(client: httpx.AsyncClient) -> None:
    headers = await user_with(client, ROWS)
    ids = await ids_by_title(client, headers)
    await track(client, headers, ids["Python Developer"], status="applied")
    await track(client, headers, ids["Data Engineer"], status="applied")
    await track(client, headers, ids["Go Developer"], status="offer", note="yes!")

    response = await client.get("/job-postings/board", headers=headers)
    assert response.status_code == 200
    columns = response.json()["columns"]
    assert [column["status"] for column in columns] == list(STATUSES)
    counts = {column["status"]: column["count"] for column in columns}
    assert counts == {
        "new": 1,
        "interested": 0,
        "applied": 2,
        "interviewing": 0,
        "offer": 1,
        "rejected": 0,
        "archived": 0,
    }
    offer = next(column for column in columns if column["status"] == "offer")
    assert offer["items"][0]["job_title"] == "Go Developer"
    assert offer["items"][0]["note"] == "yes!"

    one = await client.get(
        "/job-postings/board", params={"status": "applied", "limit": 1}, headers=headers
    )
    [applied] = one.json()["columns"]
    assert applied["count"] == 2
    assert len(applied["items"]) == 1
    rest = await client.get(
        "/job-postings/board",
        params={"status": "applied", "limit": 1, "offset": 1},
        headers=headers,
    )
    [more] = rest.json()["columns"]
    assert {applied["items"][0]["id"], more["items"][0]["id"]} == {
        ids["Python Developer"],
        ids["Data Engineer"],
    }


async def test_blocked_companies_leave_rankings(client: httpx.AsyncClient) -> None:
    headers = await user_with(client, ROWS)
    assert (await client.get("/me/blocked-companies", headers=headers)).json() == {"companies": []}
    put = await client.put(
        "/me/blocked-companies",
        json={"companies": [" acme ", "ACME", "", "Nobody"]},
        headers=headers,
    )
    assert put.status_code == 200
    assert put.json() == {"companies": ["acme", "Nobody"]}
    # "Acme" and "ACME  " are the same company, whatever the case and spacing.
    assert set(await titles(client, headers, ["python"])) == {"Python Engineer", "Go Developer"}
    # They leave the board too, and its counts.
    new = await board_column(client, headers, "new")
    assert new["count"] == 2
    assert {item["job_title"] for item in new["items"]} == {"Python Engineer", "Go Developer"}

    added = await client.post("/me/blocked-companies", json={"company": "Globex"}, headers=headers)
    assert added.status_code == 201
    assert added.json() == {"companies": ["acme", "Nobody", "Globex"]}
    assert await titles(client, headers, ["python"]) == ["Go Developer"]

    removed = await client.delete("/me/blocked-companies/ACME", headers=headers)
    assert removed.json() == {"companies": ["Nobody", "Globex"]}
    assert (await board_column(client, headers, "new"))["count"] == 3
    assert set(await titles(client, headers, ["python"])) == {
        "Python Developer",
        "Data Engineer",
        "Go Developer",
    }
    missing = await client.delete("/me/blocked-companies/Initrode", headers=headers)
    assert missing.status_code == 404
    assert "not blocked" in missing.json()["detail"]


async def test_saved_keywords(client: httpx.AsyncClient) -> None:
    headers = bearer(await register(client, "chips@example.com"))
    assert (await client.get("/me/keywords", headers=headers)).json() == {
        "keywords": [],
        "location": None,
    }
    saved = await client.put(
        "/me/keywords",
        json={"keywords": ["Python", " python ", "machine   learning", "", "C++"]},
        headers=headers,
    )
    assert saved.status_code == 200
    assert saved.json() == {"keywords": ["Python", "machine learning", "C++"], "location": None}
    assert (await client.get("/me/keywords", headers=headers)).json() == saved.json()
    too_long = await client.put("/me/keywords", json={"keywords": ["x" * 201]}, headers=headers)
    assert too_long.status_code == 400
    too_many = await client.put(
        "/me/keywords", json={"keywords": [f"k{n}" for n in range(101)]}, headers=headers
    )
    assert too_many.status_code == 422


async def test_saved_keywords_keep_a_location(client: httpx.AsyncClient) -> None:
    headers = bearer(await register(client, "places@example.com"))
    saved = await client.put(
        "/me/keywords", json={"keywords": ["python"], "location": "  Lisbon "}, headers=headers
    )
    assert saved.json() == {"keywords": ["python"], "location": "Lisbon"}
    # Left out, the location stays; the keywords are replaced as before.
    kept = await client.put("/me/keywords", json={"keywords": ["go"]}, headers=headers)
    assert kept.json() == {"keywords": ["go"], "location": "Lisbon"}
    assert (await client.get("/me/keywords", headers=headers)).json() == kept.json()
    for cleared in ("", "   ", None):
        await client.put(
            "/me/keywords", json={"keywords": ["go"], "location": "Porto"}, headers=headers
        )
        emptied = await client.put(
            "/me/keywords", json={"keywords": ["go"], "location": cleared}, headers=headers
        )
        assert emptied.json() == {"keywords": ["go"], "location": None}
    too_long = await client.put(
        "/me/keywords", json={"keywords": [], "location": "x" * 201}, headers=headers
    )
    assert too_long.status_code == 422
    assert "location" in str(too_long.json()["detail"])
    padded = await client.put(
        "/me/keywords", json={"keywords": [], "location": f"  {'x' * 200}  "}, headers=headers
    )
    assert padded.json()["location"] == "x" * 200
    wrong = await client.put("/me/keywords", json={"keywords": [], "location": 3}, headers=headers)
    assert wrong.status_code == 422


async def test_new_since_the_last_visit(client: httpx.AsyncClient) -> None:
    headers = await user_with(client, ROWS[:2])
    first = await rank_page(client, headers, ["python"])
    assert all(item["is_new"] for item in first["job_postings"])

    seen = await client.post("/job-postings/seen", headers=headers)
    assert seen.status_code == 200
    assert seen.json()["previous_seen_at"] is None
    after_visit = await rank_page(client, headers, ["python"])
    assert not any(item["is_new"] for item in after_visit["job_postings"])

    await import_rows(client, headers, ROWS[2:])
    later = await rank_page(client, headers, ["python"], limit=500)
    new = {item["job_title"] for item in later["job_postings"] if item["is_new"]}
    assert new == {"Data Engineer", "Go Developer"}
    again = await client.post("/job-postings/seen", headers=headers)
    assert again.json()["previous_seen_at"] == seen.json()["last_seen_at"]


async def test_sort_by_date(client: httpx.AsyncClient) -> None:
    rows = [
        posting("Old best", "python django", posted_at="2026-09-01T00:00:00Z"),
        posting("New weak", "python", posted_at="2026-11-10T00:00:00Z"),
        posting("Middle", "python", posted_at="2026-10-01T00:00:00Z"),
        posting("Undated", "python django", posted_at=None),
    ]
    headers = await user_with(client, rows)
    by_score = await titles(client, headers, ["python", "django"])
    assert by_score == ["Old best", "Undated", "New weak", "Middle"]
    by_date = await titles(client, headers, ["python", "django"], sort="date")
    assert by_date == ["New weak", "Middle", "Old best", "Undated"]


async def test_nobody_sees_or_changes_your_tracking(client: httpx.AsyncClient) -> None:
    alice = await user_with(client, ROWS, email="alice@example.com")
    bob = bearer(await register(client, "bob@example.com"))
    ids = await ids_by_title(client, alice)
    target = ids["Python Developer"]

    stolen = await track(client, bob, target, status="rejected", note="mine now")
    assert stolen.status_code == 404
    assert stolen.json() == {"detail": "no such posting among yours"}
    assert (await client.get(f"/job-postings/{target}", headers=bob)).status_code == 404
    assert await rank_page(client, alice, ["python"], statuses=["rejected"]) == {
        "total": 0,
        "job_postings": [],
    }
    board = (await client.get("/job-postings/board", headers=bob)).json()
    assert all(column["count"] == 0 for column in board["columns"])

    await client.put("/me/blocked-companies", json={"companies": ["Globex"]}, headers=bob)
    await client.put("/me/keywords", json={"keywords": ["bob's"]}, headers=bob)
    assert (await client.get("/me/keywords", headers=alice)).json() == {
        "keywords": [],
        "location": None,
    }
    assert len(await titles(client, alice, ["python"])) == 4

    for method, path in [
        ("PATCH", f"/job-postings/{target}"),
        ("GET", "/job-postings/board"),
        ("POST", "/job-postings/seen"),
        ("GET", "/me/keywords"),
        ("GET", "/me/blocked-companies"),
    ]:
        response = await client.request(method, path, json={"status": "applied"})
        assert response.status_code == 401, (method, path)


async def test_bad_input_is_a_clear_4xx(client: httpx.AsyncClient) -> None:
    headers = await user_with(client, ROWS)
    posting_id = (await ids_by_title(client, headers))["Python Developer"]
    cases: list[tuple[str, str, dict[str, Any] | None, dict[str, Any] | None, int]] = [
        ("PATCH", f"/job-postings/{posting_id}", {"status": "hired"}, None, 422),
        ("PATCH", f"/job-postings/{posting_id}", {}, None, 422),
        ("PATCH", f"/job-postings/{posting_id}", {"note": "x" * 2001}, None, 422),
        ("PATCH", f"/job-postings/{posting_id}", {"status": "new", "typo": 1}, None, 422),
        ("PATCH", "/job-postings/999999", {"status": "applied"}, None, 404),
        ("PATCH", "/job-postings/not-a-number", {"status": "applied"}, None, 422),
        ("GET", "/job-postings/board", None, {"status": "hired"}, 422),
        ("GET", "/job-postings/board", None, {"limit": 0}, 422),
        ("GET", "/job-postings/board", None, {"limit": 201}, 422),
        ("GET", "/job-postings/board", None, {"offset": -1}, 422),
        ("GET", "/job-postings/board", None, {"offset": 10**20}, 422),
        ("PUT", "/me/blocked-companies", {"companies": "Acme"}, None, 422),
        ("PUT", "/me/blocked-companies", {"companies": ["x" * 513]}, None, 400),
        ("POST", "/me/blocked-companies", {"company": ""}, None, 422),
        ("PUT", "/me/keywords", {"keywords": [1, 2]}, None, 422),
        ("POST", "/job-postings", {"keywords": ["python"], "statuses": ["hired"]}, None, 422),
        ("POST", "/job-postings", {"keywords": ["python"], "sort": "relevance"}, None, 422),
    ]
    for method, path, body, params, expected in cases:
        response = await client.request(method, path, json=body, params=params, headers=headers)
        assert response.status_code == expected, (method, path, body, params, response.text)
        assert response.json()["detail"], (method, path)


@pytest.mark.services
async def test_tracking_on_postgresql(make_server: ServerFactory) -> None:
    with fresh_postgres_database() as url:
        server = await make_server(database_url=url)
        async with server.client() as client:
            headers = await user_with(client, ROWS)
            ids = await ids_by_title(client, headers)
            applied = await track(client, headers, ids["Go Developer"], status="applied", note="n")
            assert applied.json()["status"] == "applied"
            await track(client, headers, ids["Python Developer"], status="archived")
            await client.put(
                "/me/blocked-companies", json={"companies": ["globex"]}, headers=headers
            )
            await client.put("/me/keywords", json={"keywords": ["Go", "go"]}, headers=headers)
            assert (await client.get("/me/keywords", headers=headers)).json() == {
                "keywords": ["Go"],
                "location": None,
            }
            assert set(await titles(client, headers, ["python"])) == {
                "Data Engineer",
                "Go Developer",
            }
            board = (await client.get("/job-postings/board", headers=headers)).json()
            counts = {column["status"]: column["count"] for column in board["columns"]}
            # Globex is hidden: only Data Engineer is left new.
            assert (counts["new"], counts["applied"], counts["archived"]) == (1, 1, 1)
            assert (await client.post("/job-postings/seen", headers=headers)).status_code == 200
            exported = await client.get(
                "/job-postings/export",
                params={"keywords": "python", "format": "json", "sort": "date"},
                headers=headers,
            )
            assert {item["job_title"] for item in exported.json()} == {
                "Data Engineer",
                "Go Developer",
            }
            assert not any(item["is_new"] for item in exported.json())
