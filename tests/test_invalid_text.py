"""Invalid text (a lone surrogate, a NUL) anywhere in a request is refused with 422 naming
the field, and nothing is stored: what is read back afterwards still works. JSON carries a
lone surrogate as the `\\ud83d` escape; a form or URL can carry only the NUL."""

from __future__ import annotations

import json
import re
from typing import Any

import httpx
from hypothesis import given
from hypothesis import strategies as st
from support import bearer, register
from web_support import HTMX, sign_up

from dreamjobsearch.valid_text import find_invalid_text

LONE = "\ud83d"  # the first half of the UTF-16 pair of an emoji, alone
JSON = {"content-type": "application/json"}


async def send(
    client: httpx.AsyncClient, method: str, url: str, body: Any, headers: dict[str, str]
) -> httpx.Response:
    """`body` as JSON with non-ASCII escaped, as a lone surrogate must be written."""
    content = json.dumps(body, ensure_ascii=True)
    return await client.request(method, url, content=content, headers={**headers, **JSON})


def refused(response: httpx.Response, location: list[Any]) -> str:
    """Assert a 422 naming `location`; the message."""
    assert response.status_code == 422, response.text
    (detail,) = response.json()["detail"]
    assert detail["loc"] == location
    assert detail["type"] == "invalid_text"
    message: str = detail["msg"]
    return message


async def test_lists_and_secrets_refuse_invalid_text_and_keep_working(
    client: httpx.AsyncClient,
) -> None:
    headers = bearer(await register(client, "unicode@example.com"))
    saved = await client.put("/me/keywords", json={"keywords": ["python"]}, headers=headers)
    assert saved.status_code == 200, saved.text

    message = refused(
        await send(client, "PUT", "/me/keywords", {"keywords": ["django", LONE]}, headers),
        ["body", "keywords", 1],
    )
    assert message == "Value contains a lone surrogate (invalid Unicode)"
    refused(
        await send(client, "PUT", "/me/keywords", {"keywords": ["a\x00b"]}, headers),
        ["body", "keywords", 0],
    )
    refused(
        await send(client, "PUT", "/me/blocked-companies", {"companies": [LONE]}, headers),
        ["body", "companies", 0],
    )
    refused(
        await send(client, "POST", "/me/blocked-companies", {"company": f"Acme{LONE}"}, headers),
        ["body", "company"],
    )
    refused(
        await send(client, "PUT", "/me/secrets/x", {"value": LONE}, headers),
        ["body", "value"],
    )

    keywords = await client.get("/me/keywords", headers=headers)
    assert keywords.status_code == 200
    assert keywords.json() == {"keywords": ["python"], "location": None}
    companies = await client.get("/me/blocked-companies", headers=headers)
    assert (companies.status_code, companies.json()) == (200, {"companies": []})
    secrets = await client.get("/me/secrets", headers=headers)
    assert secrets.status_code == 200
    assert "x" not in secrets.text


async def test_query_and_path_parameters_refuse_a_nul(client: httpx.AsyncClient) -> None:
    headers = bearer(await register(client, "params@example.com"))
    refused(
        await client.get(
            "/job-postings/export", params={"keywords": ["python", "x\x00"]}, headers=headers
        ),
        ["query", "keywords"],
    )
    refused(await client.delete("/me/secrets/a%00b", headers=headers), ["path", "name"])
    refused(await client.get("/runs/r%00", headers=headers), ["path", "run_id"])
    refused(await client.get("/healthz", params={"x\x00": "1"}), ["query", "x\\x00"])


async def test_every_api_operation_refuses_invalid_text_before_anything_else(
    client: httpx.AsyncClient,
) -> None:
    # Every operation the API documents, as a caller without a token would reach it: the
    # text is refused (422) before authentication, the body or anything the route does.
    document = (await client.get("/openapi.json")).json()
    operations = [
        (method.upper(), re.sub(r"\{[^}]+\}", "1", path))
        for path, item in document["paths"].items()
        for method in item
    ]
    assert len(operations) > 40
    for method, path in operations:
        answer = await client.request(method, path, params={"probe": "a\x00b"})
        assert answer.status_code == 422, (method, path, answer.text)
        assert answer.json()["detail"][0]["type"] == "invalid_text", (method, path)


async def test_imports_refuse_invalid_text(client: httpx.AsyncClient) -> None:
    headers = bearer(await register(client, "imports@example.com"))
    good = {"link": "https://jobs.example.com/1", "title": "Python developer"}
    bad = {"link": "https://jobs.example.com/2", "title": f"Python {LONE}"}
    refused(
        await send(client, "POST", "/job-postings/import", {"postings": [good, bad]}, headers),
        ["body", "postings", 1, "title"],
    )
    many = [
        {**good, "link": f"https://jobs.example.com/{i}", "description": "x" * 300}
        for i in range(300)
    ]
    refused(  # a large body is checked in a thread: the same answer
        await send(client, "POST", "/job-postings/import", {"postings": [*many, bad]}, headers),
        ["body", "postings", 300, "title"],
    )
    refused(
        await send(
            client, "POST", "/update-database", {"queries": [LONE], "sources": None}, headers
        ),
        ["body", "queries", 0],
    )
    ranked = await client.post("/job-postings", json={"keywords": ["python"]}, headers=headers)
    assert (ranked.status_code, ranked.json()["total"]) == (200, 0)  # nothing was stored

    # A file: each row on its own, the bad one rejected with the reason, the rest imported.
    document = json.dumps({"postings": [good, bad]}, ensure_ascii=True).encode()
    uploaded = await client.post(
        "/job-postings/import",
        files={"file": ("postings.json", document, "application/json")},
        headers=headers,
    )
    assert uploaded.status_code == 201, uploaded.text
    report = uploaded.json()
    assert report["imported"] == 1
    assert report["rejected"] == [
        {"index": 1, "reason": "title: contains a lone surrogate (invalid Unicode)"}
    ]
    csv = b"link,title\nhttps://jobs.example.com/3,Nul\x00title\n"
    imported = await client.post(
        "/job-postings/import", content=csv, headers={**headers, "content-type": "text/csv"}
    )
    assert imported.json()["rejected"] == [
        {"index": 0, "reason": "title: contains a NUL character"}
    ]
    ranked = await client.post("/job-postings", json={"keywords": ["python"]}, headers=headers)
    assert ranked.status_code == 200
    assert [item["job_title"] for item in ranked.json()["job_postings"]] == ["Python developer"]


async def test_web_forms_refuse_invalid_text(client: httpx.AsyncClient) -> None:
    csrf = await sign_up(client, "forms@example.com")
    hidden = await client.post(
        "/web/blocked-companies",
        data={"company": "Acme\x00", "back": "/results"},
        headers={**HTMX, "X-CSRF-Token": csrf},
    )
    assert hidden.status_code == 422
    assert "company: contains a NUL character" in hidden.text
    page = await client.get("/results")
    assert page.status_code == 200
    assert "You have not hidden any company." in page.text


# Text with the two invalid kinds among ordinary ASCII and non-ASCII characters.
_TEXT = st.text(st.sampled_from(["a", " ", "é", "€", "😀", "\x00", LONE, "\ude00"]), max_size=6)


@given(st.dictionaries(_TEXT, st.one_of(st.none(), st.integers(), _TEXT), max_size=5))
def test_a_row_is_refused_exactly_when_one_of_its_strings_is_invalid(
    row: dict[str, Any],
) -> None:
    strings = [*row, *(value for value in row.values() if isinstance(value, str))]
    invalid = [text for text in strings if "\x00" in text or re.search("[\ud800-\udfff]", text)]
    assert (find_invalid_text(row) is None) == (not invalid)
