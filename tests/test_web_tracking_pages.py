"""Tracking in the web UI: notes on results, the board of statuses, and hidden companies."""

from __future__ import annotations

import re
from html import unescape

import httpx
from support import LiveServer
from test_web_results import ROW_ID, import_postings, posting
from web_support import HTMX, sign_up

from dreamjobsearch.domain.tracking import MAX_NOTE_LENGTH
from dreamjobsearch.web.routing import INVALID_REQUEST

EMAIL = "ada@example.com"
OTHER = "bob@example.com"
CARD_ID = re.compile(r'<li class="board-card" data-posting-id="(\d+)"')
COLUMN = re.compile(r'<section class="board-column board-column-([a-z]+)"')
COUNT = re.compile(r'<span class="count-badge" data-count>(\d+)<')
NOTE = re.compile(
    r'<p class="note-text"><span class="note-label">Your note:</span> (.*?)</p>', re.S
)


def board_columns(html: str) -> dict[str, tuple[int, list[str]]]:
    """Each board column's status: its count and the ids of its cards, in order."""
    parts = COLUMN.split(html)[1:]
    columns = {}
    for status, body in zip(parts[::2], parts[1::2], strict=True):
        count = COUNT.search(body)
        assert count, f"no count in the {status} column"
        columns[status] = (int(count.group(1)), CARD_ID.findall(body))
    return columns


def notes(html: str) -> list[str]:
    """The notes shown on the results page, as text."""
    return [unescape(note) for note in NOTE.findall(html)]


async def ranked_ids(client: httpx.AsyncClient, keywords: str = "python") -> list[str]:
    """The ids of the results page's rows."""
    page = await client.get("/results", params={"keywords": keywords})
    assert page.status_code == 200, page.text
    return ROW_ID.findall(page.text)


async def test_a_note_is_saved_and_shown_on_its_row(client: httpx.AsyncClient) -> None:
    csrf = await sign_up(client, EMAIL)
    await import_postings(client, [posting(1), posting(2)])
    first, second = await ranked_ids(client)
    page = await client.get("/results", params={"keywords": "python"})
    assert f'<label for="note-text-{first}">Your note<span class="visually-hidden"> on ' in (
        page.text
    )
    assert f'maxlength="{MAX_NOTE_LENGTH}"' in page.text
    assert notes(page.text) == []

    saved = await client.post(
        f"/web/postings/{first}/note",
        data={"note": "  Call <Ann> back\nafter Friday  ", "back": "/results?keywords=python"},
        headers={**HTMX, "X-CSRF-Token": csrf},
    )
    assert saved.status_code == 200
    assert saved.text.startswith(f'<div class="note" id="note-{first}">')
    assert "Call &lt;Ann&gt; back\nafter Friday</textarea>" in saved.text
    assert '<p class="saved" role="status">Note saved</p>' in saved.text
    assert notes(saved.text) == ["Call <Ann> back\nafter Friday"]

    # Without scripts the form posts and comes back to the page.
    plain = await client.post(
        f"/web/postings/{second}/note",
        data={"note": "Remote only", "back": "/results?keywords=python", "csrf_token": csrf},
    )
    assert plain.status_code == 303
    assert plain.headers["location"] == "/results?keywords=python"
    page = await client.get("/results", params={"keywords": "python"})
    assert notes(page.text) == ["Call <Ann> back\nafter Friday", "Remote only"]
    assert "Edit note" in page.text

    # The note is only the note: the status is untouched; an empty note removes it.
    assert '<option value="new" selected>New</option>' in page.text
    cleared = await client.post(
        f"/web/postings/{second}/note", data={"note": " "}, headers={**HTMX, "X-CSRF-Token": csrf}
    )
    assert "Note removed" in cleared.text
    assert notes(cleared.text) == []
    assert notes((await client.get("/results?keywords=python")).text) == [
        "Call <Ann> back\nafter Friday"
    ]

    # Too long is explained in the page's alert region.
    long = await client.post(
        f"/web/postings/{first}/note",
        data={"note": "x" * (MAX_NOTE_LENGTH + 1)},
        headers={**HTMX, "X-CSRF-Token": csrf},
    )
    assert long.status_code == 400
    assert long.headers["HX-Retarget"] == "#alerts"
    assert f"a note is at most {MAX_NOTE_LENGTH} characters" in long.text


async def test_nobody_can_write_a_note_on_someone_elses_posting(server: LiveServer) -> None:
    async with server.client() as owner, server.client() as other:
        await sign_up(owner, EMAIL)
        await import_postings(owner, [posting(1)])
        (posting_id,) = await ranked_ids(owner)
        csrf = await sign_up(other, OTHER)
        response = await other.post(
            f"/web/postings/{posting_id}/note", data={"note": "mine now", "csrf_token": csrf}
        )
        assert response.status_code == 404
        htmx = await other.post(
            f"/web/postings/{posting_id}/note",
            data={"note": "mine now"},
            headers={**HTMX, "X-CSRF-Token": csrf},
        )
        assert htmx.status_code == 404
        assert htmx.headers["HX-Retarget"] == "#alerts"
        page = await owner.get("/results", params={"keywords": "python"})
        assert notes(page.text) == []


async def test_the_board_groups_postings_by_status(client: httpx.AsyncClient) -> None:
    csrf = await sign_up(client, EMAIL)
    await import_postings(client, [posting(1), posting(2), posting(3)])
    ids = await ranked_ids(client)
    await client.post(
        f"/web/postings/{ids[0]}/status", data={"status": "applied", "csrf_token": csrf}
    )
    await client.post(
        f"/web/postings/{ids[1]}/note", data={"note": "Ask about visas", "csrf_token": csrf}
    )

    page = await client.get("/board")
    assert page.status_code == 200
    assert '<a href="/board" aria-current="page">Board</a>' in page.text
    columns = board_columns(page.text)
    assert list(columns) == [
        "new",
        "interested",
        "applied",
        "interviewing",
        "offer",
        "rejected",
        "archived",
    ]
    assert columns["new"][0] == 2
    assert sorted(columns["new"][1]) == sorted(ids[1:])
    assert columns["applied"] == (1, [ids[0]])
    assert columns["offer"] == (0, [])
    assert 'aria-labelledby="column-applied"' in page.text
    assert "Ask about visas" in page.text
    assert f'<label class="visually-hidden" for="status-{ids[0]}">Status of Developer' in page.text
    assert 'href="https://careers.example.com/jobs/1"' in page.text

    # Moving a card on the board answers with the board again, the card in its new column.
    moved = await client.post(
        f"/web/postings/{ids[1]}/status",
        data={"status": "interviewing", "view": "board", "page": "1", "back": "/board"},
        headers={**HTMX, "X-CSRF-Token": csrf},
    )
    assert moved.status_code == 200
    assert moved.text.startswith('<div id="board"')
    assert board_columns(moved.text)["interviewing"] == (1, [ids[1]])
    assert 'id="board-announcer" hx-swap-oob="innerHTML">Moved “Developer' in moved.text
    assert "to Interviewing." in moved.text
    # Without scripts: a redirect back to the board.
    plain = await client.post(
        f"/web/postings/{ids[2]}/status",
        data={"status": "archived", "view": "board", "back": "/board", "csrf_token": csrf},
    )
    assert plain.status_code == 303
    assert plain.headers["location"] == "/board"
    columns = board_columns((await client.get("/board")).text)
    assert columns["new"] == (0, [])
    assert columns["applied"] == (1, [ids[0]])
    assert columns["interviewing"] == (1, [ids[1]])
    assert columns["archived"] == (1, [ids[2]])


async def test_a_job_on_several_boards_is_one_card_with_each_board(
    client: httpx.AsyncClient,
) -> None:
    await sign_up(client, EMAIL)
    same_job = {"title": "Platform Engineer", "company": "Kestrelgate"}
    await import_postings(
        client,
        [
            posting(1, link="https://boards.greenhouse.io/kestrelgate/jobs/11", **same_job),
            posting(2, link="https://jobs.lever.co/kestrelgate/22", **same_job),
            posting(3),
        ],
    )
    page = await client.get("/board")
    count, cards = board_columns(page.text)["new"]
    assert (count, len(cards)) == (2, 2)
    card = next(
        card for card in page.text.split('<li class="board-card"')[1:] if "Platform" in card
    )
    assert 'href="https://boards.greenhouse.io/kestrelgate/jobs/11"' in card
    assert 'href="https://jobs.lever.co/kestrelgate/22"' in card
    assert ">Greenhouse<" in card
    assert ">Lever<" in card


async def test_the_board_comes_a_page_at_a_time(server: LiveServer) -> None:
    async with server.client() as client, server.client() as other:
        await sign_up(client, EMAIL)
        await import_postings(client, [posting(number) for number in range(51)])
        first = await client.get("/board")
        assert board_columns(first.text)["new"][0] == 51
        assert len(board_columns(first.text)["new"][1]) == 50
        assert 'href="/board?page=2" rel="next"' in first.text
        second = await client.get("/board", params={"page": 2})
        assert len(board_columns(second.text)["new"][1]) == 1
        assert 'href="/board" rel="prev"' in second.text
        assert 'rel="next"' not in second.text
        assert (await client.get("/board", params={"page": 0})).status_code == 400
        # Nobody sees anyone else's board.
        await sign_up(other, OTHER)
        theirs = board_columns((await other.get("/board")).text)
        assert all(column == (0, []) for column in theirs.values())


async def test_a_hidden_company_leaves_results_and_exports_until_shown_again(
    client: httpx.AsyncClient,
) -> None:
    csrf = await sign_up(client, EMAIL)
    await import_postings(
        client, [posting(1), posting(2, company="Bluefin Labs"), posting(3, company="Bluefin Labs")]
    )
    back = "/results?keywords=python"
    page = await client.get(back)
    assert len(ROW_ID.findall(page.text)) == 3
    assert 'Hide company<span class="visually-hidden"> Bluefin Labs</span>' in page.text
    assert "You have not hidden any company." in page.text

    hidden = await client.post(
        "/web/blocked-companies",
        data={"company": "  bluefin   LABS ", "back": back},
        headers={**HTMX, "X-CSRF-Token": csrf},
    )
    assert hidden.status_code == 303
    assert hidden.headers["location"] == back
    page = await client.get(back)
    assert len(ROW_ID.findall(page.text)) == 1
    assert "1 posting match" in page.text
    assert '<span class="company-name">bluefin LABS</span>' in page.text
    assert 'Unhide<span class="visually-hidden"> bluefin LABS</span>' in page.text
    export = await client.get("/web/export", params={"keywords": "python"})
    assert len(export.text.strip().splitlines()) == 2
    assert "Bluefin" not in export.text
    as_json = await client.get("/web/export", params={"keywords": "python", "format": "json"})
    assert [row["job_company"] for row in as_json.json()] == ["Kestrelgate"]
    assert board_columns((await client.get("/board")).text)["new"][0] == 1

    # Hiding it again changes nothing; a blank name is explained.
    again = await client.post(
        "/web/blocked-companies", data={"company": "Bluefin Labs", "csrf_token": csrf}
    )
    assert again.status_code == 303
    assert (await client.get(back)).text.count('<span class="company-name">bluefin LABS') == 1
    blank = await client.post(
        "/web/blocked-companies", data={"company": "  "}, headers={**HTMX, "X-CSRF-Token": csrf}
    )
    assert blank.status_code == 400
    assert "give the name of the company to hide" in blank.text

    shown = await client.post(
        "/web/blocked-companies/unhide",
        data={"company": "Bluefin Labs", "back": back, "csrf_token": csrf},
    )
    assert shown.status_code == 303
    assert shown.headers["location"] == back
    page = await client.get(back)
    assert len(ROW_ID.findall(page.text)) == 3
    assert "You have not hidden any company." in page.text
    export = await client.get("/web/export", params={"keywords": "python"})
    assert len(export.text.strip().splitlines()) == 4
    assert board_columns((await client.get("/board")).text)["new"][0] == 3
    # What is not hidden cannot be shown again.
    missing = await client.post(
        "/web/blocked-companies/unhide", data={"company": "Bluefin Labs", "csrf_token": csrf}
    )
    assert missing.status_code == 404


async def test_a_company_is_hidden_only_for_whoever_hid_it(server: LiveServer) -> None:
    async with server.client() as owner, server.client() as other:
        csrf = await sign_up(owner, EMAIL)
        await import_postings(owner, [posting(1)])
        await sign_up(other, OTHER)
        await import_postings(other, [posting(1)])
        await owner.post(
            "/web/blocked-companies", data={"company": "Kestrelgate", "csrf_token": csrf}
        )
        assert await ranked_ids(owner) == []
        assert len(await ranked_ids(other)) == 1


async def test_every_change_needs_the_csrf_token(client: httpx.AsyncClient) -> None:
    csrf = await sign_up(client, EMAIL)
    await import_postings(client, [posting(1)])
    (posting_id,) = await ranked_ids(client)
    attempts = [
        (f"/web/postings/{posting_id}/note", {"note": "forged"}),
        (f"/web/postings/{posting_id}/status", {"status": "offer", "view": "board"}),
        ("/web/blocked-companies", {"company": "Kestrelgate"}),
        ("/web/blocked-companies/unhide", {"company": "Kestrelgate"}),
    ]
    for path, data in attempts:
        missing = await client.post(path, data=data)
        assert missing.status_code == 403, path
        wrong = await client.post(path, data={**data, "csrf_token": "0" * 64})
        assert wrong.status_code == 403, path
        htmx = await client.post(path, data=data, headers=HTMX)
        assert htmx.status_code == 403, path
        assert htmx.headers["HX-Retarget"] == "#alerts"
    page = await client.get("/results", params={"keywords": "python"})
    assert notes(page.text) == []
    assert len(ROW_ID.findall(page.text)) == 1
    assert '<option value="new" selected>New</option>' in page.text
    assert csrf  # the real token was never sent


async def test_logged_out_the_pages_lead_to_login(client: httpx.AsyncClient) -> None:
    board = await client.get("/board")
    assert board.status_code == 303
    assert board.headers["location"] == "/login?next=%2Fboard"
    for path, data in [
        ("/web/postings/1/note", {"note": "x"}),
        ("/web/blocked-companies", {"company": "Kestrelgate"}),
        ("/web/blocked-companies/unhide", {"company": "Kestrelgate"}),
    ]:
        response = await client.post(path, data=data)
        assert response.status_code == 303, path
        assert response.headers["location"] == "/login"
        htmx = await client.post(path, data=data, headers=HTMX)
        assert htmx.status_code == 401
        assert htmx.headers["HX-Redirect"] == "/login"


async def test_board_cards_can_be_dragged_and_new_can_fold(client: httpx.AsyncClient) -> None:
    await sign_up(client, EMAIL)
    await import_postings(client, [posting(1), posting(2)])
    page = await client.get("/board")
    # Imported and untouched, every posting is New: only the user moves one elsewhere.
    columns = board_columns(page.text)
    assert columns["new"][0] == 2
    assert all(count == 0 for status, (count, _) in columns.items() if status != "new")
    for card in columns["new"][1]:
        assert f'data-posting-id="{card}" draggable="true"' in page.text
    assert '<script src="/static/js/board.js' in page.text
    # The fold toggle names what it folds, and says whether it is open.
    assert page.text.count("data-collapse-column") == 1
    assert 'aria-expanded="true" aria-controls="cards-new"' in page.text
    assert 'id="cards-new"' in page.text


async def test_the_header_has_a_menu_button_and_results_filters_fold(
    client: httpx.AsyncClient,
) -> None:
    await sign_up(client, EMAIL)
    page = await client.get("/results")
    assert 'data-menu-toggle aria-expanded="false" aria-controls="site-nav">Menu</button>' in (
        page.text
    )
    assert '<nav class="site-nav" id="site-nav" aria-label="Main">' in page.text
    # Open in the markup, so that without scripts the filters are there; narrow.js folds them.
    assert '<details class="filters-fold" data-fold-narrow open>' in page.text
    assert page.text.index("<summary") < page.text.index('<form class="card filters"')


async def test_an_id_no_posting_can_have_is_refused_not_an_error(
    client: httpx.AsyncClient,
) -> None:
    # Ids past the tables' 32-bit integers once reached SQLite, which raised (a 500).
    csrf = await sign_up(client, EMAIL)
    await import_postings(client, [posting(1)])
    for posting_id in ("0", "2147483648", "99999999999999999999"):
        for path, data in (
            (f"/web/postings/{posting_id}/note", {"note": "hello"}),
            (f"/web/postings/{posting_id}/status", {"status": "applied"}),
        ):
            refused = await client.post(path, data={**data, "csrf_token": csrf})
            assert refused.status_code == 400, (path, refused.text)
            assert INVALID_REQUEST in unescape(refused.text)
            htmx = await client.post(path, data=data, headers={**HTMX, "X-CSRF-Token": csrf})
            assert htmx.status_code == 400, (path, htmx.text)
            assert htmx.headers["HX-Retarget"] == "#alerts"
        page = await client.get(f"/postings/{posting_id}")
        assert page.status_code == 400, page.text
    shown = await client.get("/results", params={"keywords": "python"})
    assert notes(shown.text) == []
    assert '<option value="new" selected>New</option>' in shown.text
