"""A login prepares the user's ranking index and saved keywords in the background, so the
first ranking of the session does not build them; the login itself never waits for it."""

from __future__ import annotations

from ranking_support import cold_start, posting, prepared_index, titles, user_with
from support import PASSWORD, LiveServer, bearer, login, user_id_of
from web_support import csrf_field

ROWS = [
    posting("Python developer", "Python and Django"),
    posting("Rust engineer", "Rust, some Python"),
    posting("Designer", "Figma"),
]


async def test_a_login_prepares_the_index_and_the_saved_keywords(server: LiveServer) -> None:
    async with server.client() as client:
        headers = await user_with(client, ROWS)
        saved = await client.put(
            "/me/keywords", json={"keywords": ["python", "C++"]}, headers=headers
        )
        assert saved.status_code == 200
        user_id = await user_id_of(server, "ranker@example.com")
        await cold_start(server, user_id)
        token = await login(client, "ranker@example.com")
        index = await prepared_index(server, user_id, keywords=("python", "C++"))
        assert index.size == len(ROWS)
        # The prepared index ranks as one built on demand would.
        prepared = await titles(client, bearer(token), ["python", "rust"])
        server.services.workspace_services.rankings.clear()
        assert prepared == await titles(client, bearer(token), ["python", "rust"])
        assert prepared == ["Rust engineer", "Python developer"]


async def test_a_login_through_the_web_form_prepares_the_index(server: LiveServer) -> None:
    async with server.client() as client:
        await user_with(client, ROWS)
    user_id = await user_id_of(server, "ranker@example.com")
    await cold_start(server, user_id)
    async with server.client() as browser:
        form = await browser.get("/login")
        response = await browser.post(
            "/web/login",
            data={
                "email": "ranker@example.com",
                "password": PASSWORD,
                "csrf_token": csrf_field(form.text),
            },
        )
        assert response.status_code == 303
        # Prepared while the browser follows the redirect, not by the page it lands on.
        assert (await prepared_index(server, user_id)).size == len(ROWS)


async def test_an_import_prepares_the_index_with_the_new_postings(server: LiveServer) -> None:
    async with server.client() as client:
        headers = await user_with(client, ROWS)
        user_id = await user_id_of(server, "ranker@example.com")
        await cold_start(server, user_id)
        more = await client.post(
            "/job-postings/import",
            json={"postings": [posting("Kafka engineer", "Kafka and Python")]},
            headers=headers,
        )
        assert more.status_code == 201
        assert more.json()["imported"] == 1
        # Nothing ranked since: the import itself brought the index up to date.
        await prepared_index(server, user_id, size=len(ROWS) + 1)
