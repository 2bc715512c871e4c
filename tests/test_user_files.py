"""Each user's own file area: upload, list and delete through the API and the web page; a
`file` source reads only the caller's files; limits; errors that show no path or content."""

from __future__ import annotations

import json
import stat
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from conftest import ServerFactory
from support import (
    LiveServer,
    bearer,
    open_stream,
    put_file,
    register,
    register_admin,
    user_id_of,
    wait_run,
)
from web_support import csrf_field, sign_up, wait_for_run

ADMIN = "admin@example.com"
SECRET_TITLE = "Zanzibar Quantum Wrangler"
POSTINGS = [
    {
        "link": "https://careers.example.com/jobs/1",
        "title": f"{SECRET_TITLE} Engineer",
        "company": "Vistula Byteworks",
        "location": "Warsaw, Poland",
        "description": "Python services.",
    },
    {
        "link": "https://careers.example.com/jobs/2",
        "title": "Python Developer",
        "company": "Kestrelgate",
        "location": "Kraków, Poland",
        "description": "Django.",
    },
]
FEED = json.dumps({"postings": POSTINGS}).encode()


def area(server: LiveServer, user_id: int) -> Path:
    """Where the server keeps one user's files."""
    return server.services.settings.data_dir / "files" / str(user_id)


async def run(
    client: httpx.AsyncClient, headers: dict[str, str], name: str, query: str = "engineer"
) -> dict[str, Any]:
    """Run a `file` source over `name` to its end."""
    response = await client.post(
        "/update-database",
        json={"queries": [query], "sources": [{"type": "file", "path": name}]},
        headers=headers,
    )
    assert response.status_code == 202, response.text
    return await wait_run(client, headers, response.json()["run_id"])


async def titles(client: httpx.AsyncClient, headers: dict[str, str]) -> set[str]:
    """Every title among the user's postings."""
    response = await client.post(
        "/job-postings", json={"keywords": ["engineer"], "limit": 500}, headers=headers
    )
    assert response.status_code == 200, response.text
    return {item["job_title"] for item in response.json()["job_postings"]}


async def test_another_users_file_is_not_found_and_never_read(
    server: LiveServer, client: httpx.AsyncClient
) -> None:
    alice = bearer(await register(client, "alice@example.com"))
    bob = bearer(await register(client, "bob@example.com"))
    await put_file(client, alice, "a.json", FEED)

    refused = await client.post(
        "/update-database",
        json={"queries": ["engineer"], "sources": [{"type": "file", "path": "a.json"}]},
        headers=bob,
    )
    assert refused.status_code == 400
    assert refused.json()["detail"] == "file a.json not found"
    assert SECRET_TITLE not in refused.text
    assert (await client.get("/me/files", headers=bob)).json() == []

    # Bob's own file of the same name is his, and his run reads it, never Alice's.
    mine = [{**POSTINGS[1], "title": "Bob's Own Engineer"}]
    await put_file(client, bob, "a.json", json.dumps(mine).encode())
    bobs = await run(client, bob, "a.json")
    assert bobs["status"] == "succeeded", bobs
    assert await titles(client, bob) == {"Bob's Own Engineer"}

    alices = await run(client, alice, "a.json")
    assert alices["status"] == "succeeded", alices
    assert await titles(client, alice) == {f"{SECRET_TITLE} Engineer"}


async def test_a_file_straight_in_data_dir_or_linked_in_is_not_read(
    server: LiveServer, client: httpx.AsyncClient, tmp_path: Path
) -> None:
    headers = bearer(await register(client, "carol@example.com"))
    # Put there by hand (the old way), or linked from elsewhere: neither is an uploaded file.
    (server.services.settings.data_dir / "shared.json").write_bytes(FEED)
    outside = tmp_path / "outside.json"
    outside.write_bytes(FEED)
    await put_file(client, headers, "mine.json", FEED)
    mine = area(server, await user_id_of(server, "carol@example.com"))
    (mine / "link.json").symlink_to(outside)

    assert [item["name"] for item in (await client.get("/me/files", headers=headers)).json()] == [
        "mine.json"
    ]
    for name in ("shared.json", "link.json"):
        response = await client.post(
            "/update-database",
            json={"queries": ["engineer"], "sources": [{"type": "file", "path": name}]},
            headers=headers,
        )
        assert response.status_code == 400, response.text
        assert response.json()["detail"] == f"file {name} not found"


async def test_names_that_could_leave_the_area_are_refused(
    server: LiveServer, client: httpx.AsyncClient
) -> None:
    headers = bearer(await register(client, "dave@example.com"))
    data_dir = server.services.settings.data_dir
    before = sorted(path for path in data_dir.rglob("*"))
    for name in (
        "..%2Fescape.json",
        "%2E%2E%2Fescape.json",
        "sub%2Fescape.json",
        "..%5Cescape.json",
        ".escape.json",
        "..",
        "escape.txt",
        "escape",
        "escape.json%00.txt",
        f"{'e' * 100}.json",
    ):
        response = await client.put(f"/me/files/{name}", content=FEED, headers=headers)
        assert response.status_code in {404, 405, 422}, (name, response.status_code)
        assert str(data_dir.resolve()) not in response.text
    plain = await client.put("/me/files/.escape.json", content=FEED, headers=headers)
    assert plain.status_code == 422
    assert sorted(path for path in data_dir.rglob("*")) == before
    assert (await client.get("/me/files", headers=headers)).json() == []


async def test_files_over_the_limits_are_refused_with_413(make_server: ServerFactory) -> None:
    server = await make_server(
        max_user_file_bytes=1000, max_user_files_total_bytes=2500, max_user_files=3
    )
    async with server.client() as client:
        headers = bearer(await register(client, "erin@example.com"))

        too_big = await client.put("/me/files/big.json", content=b"x" * 1001, headers=headers)
        assert too_big.status_code == 413
        assert "1000 bytes" in too_big.json()["detail"]

        async def chunks() -> AsyncIterator[bytes]:
            for _ in range(11):
                yield b"x" * 100

        # Without a Content-Length, the body is counted as it streams in.
        streamed = await client.put("/me/files/big.json", content=chunks(), headers=headers)
        assert streamed.status_code == 413

        for name in ("one.json", "two.json", "three.csv"):
            await put_file(client, headers, name, b"x" * 800)
        fourth = await client.put("/me/files/four.json", content=b"x", headers=headers)
        assert fourth.status_code == 413
        assert "at most 3 files" in fourth.json()["detail"]
        # Replacing a file counts its new size, not both.
        over = await client.put("/me/files/one.json", content=b"x" * 1000, headers=headers)
        assert over.status_code == 413
        assert "2500 bytes in all" in over.json()["detail"]
        await put_file(client, headers, "one.json", b"x" * 900)

        listed = (await client.get("/me/files", headers=headers)).json()
        assert {item["name"]: item["size"] for item in listed} == {
            "one.json": 900,
            "three.csv": 800,
            "two.json": 800,
        }
        # Nothing half-written or left over from the refused uploads.
        directory = area(server, await user_id_of(server, "erin@example.com"))
        assert sorted(path.name for path in directory.iterdir()) == [
            "one.json",
            "three.csv",
            "two.json",
        ]


async def test_errors_name_the_file_and_line_never_a_path_or_its_content(
    server: LiveServer, client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    token = await register(client, "frank@example.com")
    headers = bearer(token)
    data_dir = str(server.services.settings.data_dir.resolve())
    await put_file(client, headers, "bad.csv", b"link,title,secret_column_xyz\nhttps://a.b/1,T,v\n")
    await put_file(client, headers, "broken.json", b'{"postings": [\n  {"link": "x",\n  oops\n]}')
    await put_file(client, headers, "broken.jsonl", b'{"link": "x"}\n{"secret_value_xyz\n')
    rows = [{"link": "https://careers.example.com/jobs/1", "title": "T", "secret_field_xyz": 1}]
    await put_file(client, headers, "odd.json", json.dumps(rows).encode())
    # Saved by a spreadsheet in its Windows code page: the reason is said, quoting nothing.
    latin = "link,title,company\r\nhttps://a.b/1,Développeur,Société Générale\r\n"
    await put_file(client, headers, "latin.csv", latin.encode("cp1252"))
    latin_rows = [{"link": "https://careers.example.com/jobs/2", "title": "Développeur"}]
    latin_json = json.dumps(latin_rows, ensure_ascii=False).encode("cp1252")
    await put_file(client, headers, "latin.json", latin_json)
    await put_file(client, headers, "empty.json", b"")
    await put_file(client, headers, "titles.csv", b"title,company\r\nT,Acme\r\n")
    await put_file(client, headers, "object.json", b'{"jobs": []}')

    expected = {
        "bad.csv": "File bad.csv is not valid CSV at line 1",
        "broken.json": (
            "File broken.json is not valid JSON at line 3: "
            "Expecting property name enclosed in double quotes"
        ),
        "broken.jsonl": "File broken.jsonl is not valid JSON at line 2",
        "latin.csv": "File latin.csv is not valid CSV: it must be UTF-8 text",
        "latin.json": "File latin.json is not valid JSON: it must be UTF-8 text",
        "empty.json": "File empty.json is not valid JSON at line 1: it is empty",
        "titles.csv": (
            "File titles.csv is not valid CSV at line 1: its header lacks the required columns link"
        ),
        "object.json": (
            "File object.json is not valid JSON at line 1: "
            'JSON must be a list of postings or {"postings": [...]}'
        ),
    }
    async with open_stream(client, token=token) as stream:
        for name, message in expected.items():
            finished = await run(client, headers, name, query="t")
            assert finished["status"] == "failed", finished
            assert finished["error"] == message
            # The server's log says it once, not again in brackets.
            logged = [
                record.getMessage()
                for record in caplog.records
                if finished["run_id"] in record.getMessage()
            ]
            assert logged == [f"run {finished['run_id']}: {message}"], logged
        # A row with a field we do not know is skipped, and the field is not named.
        odd = await run(client, headers, "odd.json", query="t")
        events = [await stream.next()]
        while not (events[-1]["kind"] == "run_state" and events[-1]["run_id"] == odd["run_id"]):
            events.append(await stream.next())
        while events[-1]["data"].get("status") != "failed":
            events.append(await stream.next())
    messages = [event["message"] for event in events]
    assert (
        "Your file odd.json: skipped row 0: an unknown field: Extra inputs are not permitted"
    ) in messages
    for text in messages:
        for secret in ("secret_", data_dir, "/files/"):
            assert secret not in text, text


async def test_files_are_listed_deleted_and_private_on_disk(
    server: LiveServer, client: httpx.AsyncClient
) -> None:
    headers = bearer(await register(client, "grace@example.com"))
    other = bearer(await register(client, "heidi@example.com"))
    stored = await client.put("/me/files/jobs.json", content=FEED, headers=headers)
    assert stored.status_code == 200
    assert stored.json()["name"] == "jobs.json"
    assert stored.json()["size"] == len(FEED)
    await put_file(client, headers, "more.jsonl", b"")

    listed = (await client.get("/me/files", headers=headers)).json()
    assert [(item["name"], item["size"]) for item in listed] == [
        ("jobs.json", len(FEED)),
        ("more.jsonl", 0),
    ]
    assert all(item["modified"] for item in listed)
    directory = area(server, await user_id_of(server, "grace@example.com"))
    assert stat.S_IMODE(directory.stat().st_mode) == 0o700
    assert stat.S_IMODE((directory / "jobs.json").stat().st_mode) == 0o600

    assert (await client.delete("/me/files/jobs.json", headers=other)).status_code == 404
    assert (await client.delete("/me/files/jobs.json", headers=headers)).status_code == 204
    assert (await client.delete("/me/files/jobs.json", headers=headers)).status_code == 404
    listed = (await client.get("/me/files", headers=headers)).json()
    assert [item["name"] for item in listed] == ["more.jsonl"]
    assert (await client.get("/me/files")).status_code == 401


async def test_a_deleted_accounts_files_are_removed(
    server: LiveServer, client: httpx.AsyncClient
) -> None:
    admin = bearer(await register_admin(server, client, ADMIN))
    headers = bearer(await register(client, "ivan@example.com"))
    await put_file(client, headers, "jobs.json", FEED)
    user_id = await user_id_of(server, "ivan@example.com")
    assert area(server, user_id).exists()

    deleted = await client.delete(f"/admin/users/{user_id}", headers=admin)
    assert deleted.status_code == 200, deleted.text
    assert not area(server, user_id).exists()

    # Whoever gets an account next (SQLite may give them the same id) finds no files.
    newcomer = bearer(await register(client, "judy@example.com"))
    assert (await client.get("/me/files", headers=newcomer)).json() == []


async def test_the_files_page_uploads_lists_and_deletes(client: httpx.AsyncClient) -> None:
    await sign_up(client, "kim@example.com")
    page = await client.get("/files")
    assert page.status_code == 200
    csrf = csrf_field(page.text)

    forged = await client.post("/web/files", files={"file": ("jobs.json", FEED)})
    assert forged.status_code == 403
    uploaded = await client.post(
        "/web/files", data={"csrf_token": csrf}, files={"file": ("jobs.json", FEED)}
    )
    assert uploaded.status_code == 303, uploaded.text
    page = await client.get(uploaded.headers["location"])
    assert "File saved." in page.text
    assert "<code>jobs.json</code>" in page.text

    for name in ("notes.txt", "../escape.json", ".hidden.json"):
        refused = await client.post(
            "/web/files", data={"csrf_token": csrf}, files={"file": (name, b"hello")}
        )
        assert refused.status_code == 400, name
        assert ".json, .jsonl or .csv" in refused.text

    # The search form offers the file, and a search can read it.
    home = await client.get("/")
    assert 'name="files" value="jobs.json"' in home.text  # a checkbox to tick
    started = await client.post(
        "/web/searches",
        data={
            "csrf_token": csrf,
            "queries": "engineer",
            "boards": "file:jobs.json",
            "max_jobs_per_search": "100",
        },
    )
    assert started.status_code == 303, started.text
    run_id = started.headers["location"].split("run=")[1]
    assert await wait_for_run(client, run_id) == "succeeded"

    deleted = await client.post("/web/files/delete", data={"csrf_token": csrf, "name": "jobs.json"})
    assert deleted.status_code == 303
    page = await client.get(deleted.headers["location"])
    assert "File deleted." in page.text
    assert "jobs.json" not in page.text


async def test_an_upload_sent_as_curl_sends_it_is_stored_as_is(client: httpx.AsyncClient) -> None:
    # `curl --data-binary @jobs.csv` labels the body a form; the file is still the body.
    headers = bearer(await register(client, "kim@example.com"))
    csv = b"link,title,company\nhttps://example.com/jobs/1?a=1&b=2,Data Engineer,Acme\n"
    form_type = {"content-type": "application/x-www-form-urlencoded"}
    stored = await client.put("/me/files/jobs.csv", content=csv, headers={**headers, **form_type})
    assert stored.status_code == 200, stored.text
    assert stored.json()["size"] == len(csv)

    finished = await run(client, headers, "jobs.csv")
    assert finished["status"] == "succeeded", finished
    assert await titles(client, headers) == {"Data Engineer"}
