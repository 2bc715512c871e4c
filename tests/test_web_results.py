"""The Results page: ranking by keywords, highlighting, pagination, and whose postings show."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from support import LiveServer, bearer
from web_support import HTMX, session_token, sign_up

from dreamjobsearch.web.routes.imports import SAMPLES
from dreamjobsearch.web.snippets import ELLIPSIS, Segment, highlight, snippet
from dreamjobsearch.web.views import web_url

EMAIL = "ada@example.com"
EXAMPLES = Path(__file__).parent.parent / "examples"
ROW = re.compile(r"<tr data-posting-id=")
ROW_ID = re.compile(r'<tr data-posting-id="(\d+)"')
TITLE = re.compile(r'class="job-title"[^>]*>(.*?)</a>')


def posting(number: int, **fields: Any) -> dict[str, Any]:
    """An importable posting."""
    return {
        "link": f"https://careers.example.com/jobs/{number}",
        "title": f"Developer {number}",
        "company": "Kestrelgate",
        "location": "Warsaw, Poland",
        "description": "Python services.",
        "posted_at": "2026-11-02",
        **fields,
    }


def rows_of(page: httpx.Response) -> list[str]:
    """The HTML of each result row."""
    return page.text.split("<tr data-posting-id=")[1:]


def title(row: str) -> str:
    """A row's job title as text."""
    found = TITLE.search(row)
    assert found
    return re.sub(r"<[^>]+>", "", found.group(1))


async def import_postings(client: httpx.AsyncClient, postings: list[dict[str, Any]]) -> None:
    """Import through the JSON API with the page session's own token."""
    response = await client.post(
        "/job-postings/import",
        json={"postings": postings},
        headers=bearer(session_token(client)),
    )
    assert response.status_code == 201, response.text
    assert response.json()["imported"] == len(postings)


async def test_postings_are_ranked_with_their_keywords_highlighted(
    client: httpx.AsyncClient,
) -> None:
    await sign_up(client, EMAIL)
    await import_postings(
        client,
        [
            posting(1, title="Python Developer", description="Django and PostgreSQL daily."),
            posting(2, title="Java Developer", description="Spring. Some Python scripting."),
            posting(3, title="Designer", description="Figma."),
        ],
    )
    page = await client.get("/results", params={"keywords": "python, django"})
    assert page.status_code == 200
    assert len(ROW.findall(page.text)) == 2
    assert "2 postings match; showing 1\N{EN DASH}2." in page.text
    first, second = page.text.split("<tr data-posting-id=")[1:]
    assert '<span class="score" aria-label="2 keywords matched">2</span>' in first
    assert "<mark>Python</mark> Developer" in first
    assert "<mark>Django</mark> and PostgreSQL daily." in first
    assert 'href="https://careers.example.com/jobs/1"' in first
    assert 'rel="noopener noreferrer"' in first
    assert "Import" in first  # the source badge
    assert "Some <mark>Python</mark> scripting." in second
    # Chips start from the keywords in the address.
    assert 'value="python, django"' in page.text


async def test_with_no_postings_the_page_offers_samples_and_an_import(
    client: httpx.AsyncClient,
) -> None:
    csrf = await sign_up(client, EMAIL)
    page = await client.get("/results")
    assert page.status_code == 200
    assert "You have no postings yet" in page.text
    assert "<table" not in page.text
    assert 'action="/web/samples"' in page.text
    assert 'href="/import"' in page.text
    assert (await client.post("/web/samples", data={"csrf_token": "0" * 64})).status_code == 403

    loaded = await client.post("/web/samples", data={"csrf_token": csrf})
    assert loaded.status_code == 303
    shown = await client.get(loaded.headers["location"])
    count = int(re.search(r"Loaded (\d+) sample postings", shown.text).group(1))  # type: ignore[union-attr]
    assert count > 25
    assert f"{count} postings, newest first; showing 1\N{EN DASH}25." in shown.text
    assert len(ROW.findall(shown.text)) == 25
    assert "You have no postings yet" not in shown.text
    # Loading them again adds nothing.
    again = await client.post("/web/samples", data={"csrf_token": csrf})
    assert again.headers["location"] == "/results?loaded=0"


def test_the_shipped_sample_postings_are_the_examples() -> None:
    assert SAMPLES.read_bytes() == (EXAMPLES / "postings.json").read_bytes()


async def test_without_keywords_every_active_posting_is_listed_newest_first(
    client: httpx.AsyncClient,
) -> None:
    await sign_up(client, EMAIL)
    await import_postings(
        client,
        [
            posting(1, title="Old", posted_at="2026-01-01"),
            posting(2, title="Newest", posted_at="2026-11-20"),
            posting(3, title="Undated", posted_at=None),
            posting(4, title="Done", posted_at="2026-11-21"),
        ],
    )
    done = await client.patch(
        f"/job-postings/{await posting_id(client, 'Done')}",
        json={"status": "archived"},
        headers=bearer(session_token(client)),
    )
    assert done.status_code == 200
    page = await client.get("/results", params={"keywords": ""})
    assert page.status_code == 200
    assert [title(row) for row in rows_of(page)] == ["Newest", "Old", "Undated"]
    assert "3 postings, newest first" in page.text
    assert page.text.count("badge-new") == 3
    # The keywords field may be left empty.
    assert 'id="keywords" name="keywords" type="text" value=""' in page.text
    assert " required" not in page.text.split('id="keywords"')[1].split(">")[0]


async def posting_id(client: httpx.AsyncClient, wanted: str) -> int:
    """The id of the viewer's posting titled `wanted`."""
    page = await client.get("/results", params={"keywords": "", "status": "all"})
    for row in rows_of(page):
        if title(row) == wanted:
            return int(row.split('"')[1])
    raise AssertionError(f"no posting {wanted}")


async def test_remote_recent_and_salary_filters(client: httpx.AsyncClient) -> None:
    await sign_up(client, EMAIL)
    now = datetime.now(UTC)
    await import_postings(
        client,
        [
            posting(1, title="Remote", location="Remote, Europe", posted_at=str(now.date())),
            posting(2, title="Paid", salary="€90,000 a year", posted_at=str(now.date())),
            posting(3, title="Old", location="Anywhere", posted_at="2020-01-01"),
        ],
    )
    remote = await client.get("/results", params={"keywords": "", "remote": "1"})
    assert [title(row) for row in rows_of(remote)] == ["Remote", "Old"]
    assert 'name="remote" value="1" checked' in remote.text
    recent = await client.get("/results", params={"keywords": "python", "days": "7"})
    assert sorted(title(row) for row in rows_of(recent)) == ["Paid", "Remote"]
    assert '<option value="7" selected>' in recent.text
    paid = await client.get("/results", params={"salary": "1", "keywords": ""})
    [row] = rows_of(paid)
    assert title(row) == "Paid"
    assert "€90,000 a year" in row
    both = await client.get("/results", params={"keywords": "", "salary": "1", "remote": "1"})
    assert "No posting matches these filters." in both.text
    # Paging and exports keep the filters.
    assert "remote=1&amp;salary=1" in both.text
    exported = await client.get("/web/export", params={"keywords": "", "remote": "1"})
    assert exported.status_code == 200
    assert "Remote" in exported.text
    assert "Paid" not in exported.text
    bad = await client.get("/results", params={"days": "3"})
    assert bad.status_code == 400
    assert "posted within is one of 1, 7, 14, 30 days" in bad.text


async def test_the_location_filter_applies(client: httpx.AsyncClient) -> None:
    await sign_up(client, EMAIL)
    await import_postings(client, [posting(1), posting(2, location="Berlin, Germany")])
    page = await client.get("/results", params={"keywords": "python", "location": "germany"})
    assert len(ROW.findall(page.text)) == 1
    assert "Berlin, Germany" in page.text
    nothing = await client.get("/results", params={"keywords": "python", "location": "Peru"})
    assert "No posting matches these keywords in “Peru”." in nothing.text


async def test_results_come_a_page_at_a_time(client: httpx.AsyncClient) -> None:
    await sign_up(client, EMAIL)
    await import_postings(client, [posting(number) for number in range(30)])
    first = await client.get("/results", params={"keywords": "python"})
    assert len(ROW.findall(first.text)) == 25
    assert "Page 1 of 2" in first.text
    assert 'href="/results?keywords=python&amp;page=2" rel="next"' in first.text
    second = await client.get("/results", params={"keywords": "python", "page": 2})
    assert len(ROW.findall(second.text)) == 5
    assert "showing 26\N{EN DASH}30" in second.text
    assert 'rel="prev"' in second.text
    assert 'rel="next"' not in second.text


async def test_markup_in_postings_is_shown_as_text(client: httpx.AsyncClient) -> None:
    await sign_up(client, EMAIL)
    await import_postings(
        client,
        [posting(1, title="<script>alert(1)</script> Python", company="<b>Evil</b> & Co")],
    )
    page = await client.get("/results", params={"keywords": "python"})
    assert "<script>alert(1)</script>" not in page.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt; <mark>Python</mark>" in page.text
    assert "&lt;b&gt;Evil&lt;/b&gt; &amp; Co" in page.text


async def test_nobody_sees_anyone_elses_postings(server: LiveServer) -> None:
    async with server.client() as owner, server.client() as other:
        await sign_up(owner, EMAIL)
        await import_postings(owner, [posting(1)])
        owned = await owner.get("/results", params={"keywords": "python"})
        await sign_up(other, "bob@example.com")
        page = await other.get("/results", params={"keywords": "python"})
        assert ROW.findall(page.text) == []
        assert "You have no postings yet" in page.text
        opened = await other.get(f"/postings/{ROW_ID.findall(owned.text)[0]}")
        assert opened.status_code == 404
        assert "Python services" not in opened.text


async def test_bad_filters_are_explained(client: httpx.AsyncClient) -> None:
    await sign_up(client, EMAIL)
    assert (await client.get("/results", params={"page": 0})).status_code == 400
    many = ", ".join(f"k{number}" for number in range(101))
    page = await client.get("/results", params={"keywords": many})
    assert page.status_code == 200
    assert "at most 100 keywords" in page.text


async def test_a_status_set_on_a_row_moves_the_posting_between_views(
    client: httpx.AsyncClient,
) -> None:
    csrf = await sign_up(client, EMAIL)
    await import_postings(client, [posting(1), posting(2)])
    page = await client.get("/results", params={"keywords": "python"})
    first_id = int(ROW_ID.findall(page.text)[0])
    assert f'<label class="visually-hidden" for="status-{first_id}">Status of' in page.text
    response = await client.post(
        f"/web/postings/{first_id}/status",
        data={"status": "applied", "back": "/results?keywords=python"},
        headers={**HTMX, "X-CSRF-Token": csrf},
    )
    assert response.status_code == 200
    assert '<option value="applied" selected>Applied</option>' in response.text
    assert "Saved" in response.text
    rejected = await client.post(
        f"/web/postings/{first_id}/status",
        data={"status": "rejected", "back": "/results?keywords=python", "csrf_token": csrf},
    )
    assert rejected.status_code == 303
    assert rejected.headers["location"] == "/results?keywords=python"
    default = await client.get("/results", params={"keywords": "python"})
    remaining = ROW_ID.findall(default.text)
    assert len(remaining) == 1
    assert str(first_id) not in remaining
    only = await client.get("/results", params={"keywords": "python", "status": "rejected"})
    assert ROW_ID.findall(only.text) == [str(first_id)]
    assert '<option value="rejected" selected>Rejected</option>' in only.text


async def test_statuses_of_someone_elses_posting_cannot_be_set(server: LiveServer) -> None:
    async with server.client() as owner, server.client() as other:
        await sign_up(owner, EMAIL)
        await import_postings(owner, [posting(1)])
        page = await owner.get("/results", params={"keywords": "python"})
        (posting_id,) = ROW_ID.findall(page.text)
        csrf = await sign_up(other, "bob@example.com")
        response = await other.post(
            f"/web/postings/{posting_id}/status", data={"status": "offer", "csrf_token": csrf}
        )
        assert response.status_code == 404
        unknown = await other.post(
            f"/web/postings/{posting_id}/status", data={"status": "hired", "csrf_token": csrf}
        )
        assert unknown.status_code == 400
        again = await owner.get("/results", params={"keywords": "python"})
        assert '<option value="new" selected>New</option>' in again.text


async def test_saved_keywords_and_location_are_where_the_results_page_starts(
    client: httpx.AsyncClient,
) -> None:
    csrf = await sign_up(client, EMAIL)
    await import_postings(
        client, [posting(1), posting(2, location="Lisbon, Portugal", posted_at="2026-11-01")]
    )
    assert "Rank your postings" in (await client.get("/results")).text
    saved = await client.post(
        "/web/keywords",
        data={"keywords": "python, Django, python", "location": "  Lisbon "},
        headers={**HTMX, "X-CSRF-Token": csrf},
    )
    assert saved.text.strip() == "Saved as your keywords: python, Django; location: Lisbon."
    page = await client.get("/results")
    assert [title(row) for row in rows_of(page)] == ["Developer 2"]
    assert 'value="python, Django"' in page.text
    assert 'id="location" name="location" type="text" value="Lisbon"' in page.text
    guide = await client.get("/welcome")
    assert "Done: python, Django in Lisbon" in guide.text
    # An address that says what to rank says it all: keywords there drop the saved
    # location, a location there keeps the saved keywords, and empty is a choice too.
    assert ROW.findall((await client.get("/results?keywords=java")).text) == []
    anywhere = await client.get("/results?keywords=python")
    assert [title(row) for row in rows_of(anywhere)] == ["Developer 1", "Developer 2"]
    warsaw = await client.get("/results?location=warsaw")
    assert [title(row) for row in rows_of(warsaw)] == ["Developer 1"]
    assert 'value="python, Django"' in warsaw.text
    assert len(ROW.findall((await client.get("/results?keywords=&location=")).text)) == 2


async def test_saving_blank_keywords_and_location_clears_both(client: httpx.AsyncClient) -> None:
    csrf = await sign_up(client, EMAIL)
    await import_postings(
        client, [posting(1), posting(2, location="Lisbon, Portugal", posted_at="2026-11-01")]
    )
    headers = {**HTMX, "X-CSRF-Token": csrf}
    await client.post(
        "/web/keywords", data={"keywords": "go", "location": "Lisbon"}, headers=headers
    )
    cleared = await client.post(
        "/web/keywords", data={"keywords": "", "location": " "}, headers=headers
    )
    assert cleared.text.strip() == "Saved keywords cleared; location: anywhere."
    page = await client.get("/results")
    assert [title(row) for row in rows_of(page)] == ["Developer 1", "Developer 2"]
    assert 'id="location" name="location" type="text" value=""' in page.text
    too_long = await client.post(
        "/web/keywords", data={"keywords": "go", "location": "x" * 201}, headers=headers
    )
    assert too_long.status_code == 422
    assert "a location is at most 200 characters" in too_long.text


async def test_new_postings_are_marked_until_seen(client: httpx.AsyncClient) -> None:
    csrf = await sign_up(client, EMAIL)
    await import_postings(client, [posting(1), posting(2)])
    page = await client.get("/results", params={"keywords": "python"})
    assert page.text.count('class="badge badge-new"') == 2
    assert "Mark all as seen" in page.text
    seen = await client.post(
        "/web/results/seen", data={"csrf_token": csrf, "back": "/results?keywords=python"}
    )
    assert seen.headers["location"] == "/results?keywords=python"
    after = await client.get(seen.headers["location"])
    assert "badge-new" not in after.text
    assert "Mark all as seen" not in after.text


async def test_newest_first_on_request(client: httpx.AsyncClient) -> None:
    await sign_up(client, EMAIL)
    await import_postings(
        client,
        [
            posting(1, title="Python Django", posted_at="2026-10-01"),
            posting(2, posted_at="2026-11-20"),
        ],
    )
    best = await client.get("/results", params={"keywords": "python, django"})
    newest = await client.get("/results", params={"keywords": "python, django", "sort": "date"})
    assert [title(row) for row in rows_of(best)] == ["Python Django", "Developer 2"]
    assert [title(row) for row in rows_of(newest)] == ["Developer 2", "Python Django"]
    assert '<option value="date" selected>Newest</option>' in newest.text
    assert "sort=date" in newest.text  # kept in the export and page links
    assert (await client.get("/results?keywords=python&sort=random")).status_code == 400


async def test_the_ranked_view_exports_as_csv_and_json(server: LiveServer) -> None:
    async with server.client() as client, server.client() as other:
        await sign_up(client, EMAIL)
        await import_postings(client, [posting(number) for number in range(30)])
        page = await client.get("/results", params={"keywords": "python"})
        assert 'href="/web/export?keywords=python&amp;format=csv" download' in page.text
        csv_file = await client.get("/web/export", params={"keywords": "python"})
        assert csv_file.status_code == 200
        assert csv_file.headers["content-type"] == "text/csv; charset=utf-8"
        assert csv_file.headers["content-disposition"].startswith("attachment; filename=")
        lines = csv_file.text.strip().splitlines()
        assert lines[0].startswith('"id","score","matched_keywords","job_title"')
        assert len(lines) == 31  # every page, not just the first
        json_file = await client.get("/web/export", params={"keywords": "python", "format": "json"})
        assert len(json_file.json()) == 30
        await sign_up(other, "bob@example.com")
        theirs = await other.get("/web/export", params={"keywords": "python", "format": "json"})
        assert theirs.json() == []
    async with server.client() as anonymous:
        assert (await anonymous.get("/web/export?keywords=python")).status_code == 303


def test_highlight_marks_whole_word_matches_only() -> None:
    assert highlight("Java and JavaScript", ["Java"]) == [
        Segment("Java", match=True),
        Segment(" and JavaScript"),
    ]
    assert highlight("C++ and C#", ["c++", "C#"]) == [
        Segment("C++", match=True),
        Segment(" and "),
        Segment("C#", match=True),
    ]


def test_a_snippet_is_a_window_around_the_first_match() -> None:
    description = " ".join(["filler"] * 200) + " we use Python daily " + " ".join(["more"] * 200)
    segments = snippet(description, ["python"], width=120)
    assert segments[0] == Segment(ELLIPSIS)
    assert segments[-1] == Segment(ELLIPSIS)
    assert Segment("Python", match=True) in segments
    text = "".join(segment.text for segment in segments[1:-1])
    assert len(text) <= 120
    assert not text.startswith(" ")


def test_a_short_description_is_shown_whole() -> None:
    assert snippet("Python\n\n and   Django", ["django"]) == [
        Segment("Python and "),
        Segment("Django", match=True),
    ]


def test_only_web_links_become_links() -> None:
    assert web_url("https://example.com/jobs/1") == "https://example.com/jobs/1"
    assert web_url("http://example.com/") == "http://example.com/"
    assert web_url("javascript:alert(1)") is None
    assert web_url(" JavaScript:alert(1)") is None
    assert web_url("data:text/html,<script>") is None


async def test_a_saved_note_closes_its_editor_and_shows_once(client: httpx.AsyncClient) -> None:
    csrf = await sign_up(client, EMAIL)
    await import_postings(client, [posting(1)])
    posting_id = ROW_ID.findall((await client.get("/results")).text)[0]
    saved = await client.post(
        f"/web/postings/{posting_id}/note",
        data={"note": "Call Ada on Monday", "back": "/results"},
        headers={**HTMX, "X-CSRF-Token": csrf, "HX-Target": f"note-{posting_id}"},
    )
    assert saved.status_code == 200
    assert saved.text.count(f'id="note-{posting_id}"') == 1
    assert saved.text.count('class="note-text"') == 1
    assert "Note saved" in saved.text
    assert '<details class="note-editor">' in saved.text  # closed: no `open`
    page = await client.get("/results")
    assert page.text.count("Call Ada on Monday") == 2  # the note once, and in its closed editor


async def test_saving_keywords_without_scripts_keeps_the_location(
    client: httpx.AsyncClient,
) -> None:
    csrf = await sign_up(client, EMAIL)
    await import_postings(
        client, [posting(1), posting(2, location="Lisbon, Portugal", posted_at="2026-11-01")]
    )
    saved = await client.post(
        "/web/keywords",
        data={"keywords": "python", "location": "Lisbon", "csrf_token": csrf},
    )
    assert saved.status_code == 303
    assert saved.headers["location"] == "/results"
    # Kept, not carried in the address: a later visit starts from both.
    page = await client.get("/results")
    assert 'value="python"' in page.text
    assert 'id="location" name="location" type="text" value="Lisbon"' in page.text
    assert [title(row) for row in rows_of(page)] == ["Developer 2"]


async def test_a_hidden_company_can_be_undone_where_its_row_was(
    client: httpx.AsyncClient,
) -> None:
    csrf = await sign_up(client, EMAIL)
    await import_postings(
        client,
        [
            posting(1, posted_at="2026-11-03"),
            posting(2, company="Acme Beans", posted_at="2026-11-02"),
            posting(3, posted_at="2026-11-01"),
        ],
    )
    before = await client.get("/results")
    assert [title(row) for row in rows_of(before)] == ["Developer 1", "Developer 2", "Developer 3"]
    hidden = await client.post(
        "/web/blocked-companies",
        data={"company": "Acme Beans", "back": "/results", "at": "1"},
        headers={**HTMX, "X-CSRF-Token": csrf},
        follow_redirects=True,
    )
    assert [title(row) for row in rows_of(hidden)] == ["Developer 1", "Developer 3"]
    # The notice sits between the rows around the hidden one.
    body = hidden.text
    first, notice, third = (
        body.index("Developer 1"),
        body.index('id="undo-notice"'),
        body.index("Developer 3"),
    )
    assert first < notice < third
    assert 'Postings from <span class="company-name">Acme Beans</span> are hidden.' in body
    # Undo is a form like the others: without the CSRF token it is refused.
    refused = await client.post(
        "/web/blocked-companies/unhide", data={"company": "Acme Beans", "back": "/results"}
    )
    assert refused.status_code == 403
    undone = await client.post(
        "/web/blocked-companies/unhide",
        data={"company": "Acme Beans", "back": "/results", "csrf_token": csrf},
        follow_redirects=True,
    )
    assert [title(row) for row in rows_of(undone)] == ["Developer 1", "Developer 2", "Developer 3"]
    assert "undo-notice" not in undone.text
    # An old address does not offer to undo what is no longer hidden.
    stale = await client.get("/results", params={"hidden": "Acme Beans", "at": "1"})
    assert "undo-notice" not in stale.text
