"""A posting's own page (everything about it, safely shown, previous / next within the
results it came from) and importing a file from the pages."""

from __future__ import annotations

import html
import re

import httpx
from support import LiveServer
from test_web_results import ROW_ID, import_postings, posting, rows_of, title
from web_support import csrf_field, sign_up

EMAIL = "ada@example.com"
PREVIOUS = re.compile(r'href="([^"]+)" rel="prev"')
NEXT = re.compile(r'href="([^"]+)" rel="next"')
DETAIL = re.compile(r'class="job-title" href="([^"]+)"')


def link(pattern: re.Pattern[str], page: httpx.Response) -> str | None:
    """The address of the page's link that `pattern` finds, unescaped."""
    found = pattern.search(page.text)
    return html.unescape(found.group(1)) if found else None


def heading(page: httpx.Response) -> str:
    """The page's h1 as text."""
    found = re.search(r"<h1[^>]*>(.*?)</h1>", page.text, re.S)
    assert found
    return html.unescape(found.group(1))


async def test_a_posting_page_shows_everything_about_it(client: httpx.AsyncClient) -> None:
    await sign_up(client, EMAIL)
    await import_postings(
        client,
        [
            posting(
                1,
                title="Python Developer",
                company="Kestrelgate",
                location="Remote, Poland",
                salary="PLN 20,000 a month",
                seniority_level="Mid-Senior level",
                employment_type="Full-time",
                description="First paragraph.\nSecond line.\n\n<script>alert(1)</script> & more",
            ),
            posting(2, title="Python Developer", company="Kestrelgate", location="Remote, Poland")
            | {
                "link": "https://boards.greenhouse.io/kestrelgate/jobs/2",
                "posted_at": "2026-10-01",
            },
        ],
    )
    results = await client.get("/results", params={"keywords": "python"})
    assert len(rows_of(results)) == 1  # the job on two boards is one result
    opened = await client.get(link(DETAIL, results) or "")
    assert opened.status_code == 200
    page = opened.text
    assert heading(opened) == "Python Developer"
    for shown in ("Kestrelgate", "Remote, Poland", "PLN 20,000 a month", "Mid-Senior level"):
        assert shown in page
    assert "Full-time" in page
    assert "<time datetime=" in page  # posted and found dates
    assert "Found</dt>" in page
    # The description is text: paragraphs and line breaks kept, markup shown as text.
    assert "<p>First paragraph.<br>Second line.</p>" in page
    assert "<p>&lt;script&gt;alert(1)&lt;/script&gt; &amp; more</p>" in page
    assert "<script>alert(1)</script>" not in page
    # Both boards the job is on, and the viewer's status and note.
    assert 'href="https://careers.example.com/jobs/1"' in page
    assert 'href="https://boards.greenhouse.io/kestrelgate/jobs/2"' in page
    assert '<option value="new" selected>' in page
    assert "Add note" in page
    assert 'href="/results?keywords=python&amp;page=1"' in page


async def test_status_and_note_set_on_the_posting_page_stay_there(
    client: httpx.AsyncClient,
) -> None:
    await sign_up(client, EMAIL)
    await import_postings(client, [posting(1, title="Rust Engineer")])
    results = await client.get("/results", params={"keywords": ""})
    address = link(DETAIL, results) or ""
    opened = await client.get(address)
    [posting_id] = ROW_ID.findall(results.text)
    saved = await client.post(
        f"/web/postings/{posting_id}/note",
        data={"csrf_token": csrf_field(opened.text), "note": "Call <Ann>", "back": address},
    )
    assert saved.status_code == 303
    assert saved.headers["location"] == address
    again = await client.get(address)
    assert "Call &lt;Ann&gt;" in again.text


async def test_previous_and_next_follow_the_results(client: httpx.AsyncClient) -> None:
    await sign_up(client, EMAIL)
    await import_postings(
        client,
        [
            posting(number, title=f"Job {number}", posted_at=f"2026-10-{number + 1:02d}")
            for number in range(30)
        ]
        + [posting(99, title="Go job", description="Go only.", posted_at="2026-11-30")],
    )
    results = await client.get("/results", params={"keywords": "python", "page": 2})
    ranked = [title(row) for row in rows_of(results)]
    assert ranked == [f"Job {number}" for number in range(4, -1, -1)]
    # From the first row of page 2 (the 26th result), forwards then back.
    address = link(DETAIL, results)
    seen = []
    for _ in range(5):
        assert address
        page = await client.get(address)
        seen.append(heading(page))
        address = link(NEXT, page)
    assert seen == ranked
    assert address is None  # the last result has no next
    assert "30 of 30" in page.text
    back = link(PREVIOUS, page)
    assert back
    assert heading(await client.get(back)) == "Job 1"
    assert 'href="/results?keywords=python&amp;page=2"' in page.text

    # The first result has no previous; the filters travel (Go job is not a python result).
    first = await client.get(link(DETAIL, await client.get("/results?keywords=python")) or "")
    assert heading(first) == "Job 29"
    assert link(PREVIOUS, first) is None
    assert "1 of 30" in first.text


async def test_a_posting_that_leaves_the_results_keeps_its_neighbours(
    client: httpx.AsyncClient,
) -> None:
    await sign_up(client, EMAIL)
    await import_postings(
        client,
        [
            posting(number, title=f"Job {number}", posted_at=f"2026-10-0{number + 1}")
            for number in range(3)
        ],
    )
    results = await client.get("/results", params={"keywords": ""})
    middle = html.unescape(DETAIL.findall(results.text)[1])
    page = await client.get(middle)
    [_first, posting_id, _last] = ROW_ID.findall(results.text)
    archived = await client.post(
        f"/web/postings/{posting_id}/status",
        data={"csrf_token": csrf_field(page.text), "status": "archived", "back": middle},
    )
    assert archived.status_code == 303
    after = await client.get(middle)
    assert 'archived" selected' in after.text
    assert heading(await client.get(link(NEXT, after) or "")) == "Job 0"
    assert heading(await client.get(link(PREVIOUS, after) or "")) == "Job 2"


async def test_nobody_opens_anyone_elses_posting(server: LiveServer) -> None:
    async with server.client() as owner, server.client() as other:
        await sign_up(owner, EMAIL)
        await import_postings(owner, [posting(1, title="Secret Role")])
        results = await owner.get("/results", params={"keywords": ""})
        address = link(DETAIL, results) or ""
        await sign_up(other, "bob@example.com")
        refused = await other.get(address)
        assert refused.status_code == 404
        assert "Secret Role" not in refused.text
        assert (await other.get("/postings/999999")).status_code == 404
        assert (await other.get("/postings/0")).status_code == 400
    async with server.client() as anonymous:
        response = await anonymous.get(address)
        assert response.status_code == 303
        assert response.headers["location"].startswith("/login")


CSV = (
    "link,title,company,location,description\n"
    "https://careers.example.com/jobs/a,Data Engineer,Acme,Berlin,Python\n"
    ",No link,Acme,Berlin,\n"
    "https://careers.example.com/jobs/b,ML Engineer,Acme,Remote,Python\n"
)


async def test_a_file_imported_from_the_page_is_reported_row_by_row(
    client: httpx.AsyncClient,
) -> None:
    await sign_up(client, EMAIL)
    form = await client.get("/import")
    assert form.status_code == 200
    csrf = csrf_field(form.text)
    files = {"file": ("jobs.csv", CSV.encode(), "text/csv")}
    refused = await client.post("/web/import", data={"csrf_token": "0" * 64}, files=files)
    assert refused.status_code == 403

    imported = await client.post("/web/import", data={"csrf_token": csrf}, files=files)
    assert imported.status_code == 200
    assert "<strong>2</strong> imported" in imported.text
    assert "<strong>0</strong> duplicates" in imported.text
    assert "<strong>1</strong> rejected" in imported.text
    assert '<tr class="rejected">' in imported.text
    assert "link" in imported.text.split('<tr class="rejected">')[1]
    again = await client.post("/web/import", data={"csrf_token": csrf}, files=files)
    assert "<strong>0</strong> imported" in again.text
    assert "<strong>2</strong> duplicates" in again.text

    results = await client.get("/results", params={"keywords": ""})
    assert sorted(title(row) for row in rows_of(results)) == ["Data Engineer", "ML Engineer"]


async def test_files_that_cannot_be_imported_are_explained(client: httpx.AsyncClient) -> None:
    await sign_up(client, EMAIL)
    csrf = csrf_field((await client.get("/import")).text)
    for name, content, expected in [
        ("jobs.json", b"{not json", "not valid JSON"),
        ("jobs.xlsx", b"PK", "unsupported file type .xlsx"),
    ]:
        response = await client.post(
            "/web/import", data={"csrf_token": csrf}, files={"file": (name, content)}
        )
        assert response.status_code == 400
        assert expected in response.text
        assert 'action="/web/import"' in response.text  # the form, to try again
