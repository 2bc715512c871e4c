"""Importing postings: JSON, CSV bodies and uploads, row-level rejections, identity."""

from __future__ import annotations

import csv
import gc
import io
import json
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from support import bearer, register

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
IMPORT = "/job-postings/import"


def posting(number: int, **fields: Any) -> dict[str, Any]:
    """A valid posting with a distinct link; `fields` override or add fields."""
    row: dict[str, Any] = {
        "link": f"https://careers.example.com/jobs/{number}",
        "title": f"Importable Engineer {number}",
        "company": "Example Co",
        "location": "Warsaw, Masovian, Poland",
        "description": "Build importers in Python.",
        "posted_at": "2026-11-01T09:00:00Z",
    }
    row.update(fields)
    return row


def to_csv(rows: list[dict[str, Any]], columns: list[str] | None = None) -> bytes:
    """Rows as a UTF-8 CSV document with a header."""
    names = columns or list(rows[0])
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=names)
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


async def user(client: httpx.AsyncClient, email: str = "importer@example.com") -> dict[str, str]:
    """Register a user and return their auth headers."""
    return bearer(await register(client, email))


async def ranked(
    client: httpx.AsyncClient, headers: dict[str, str], keywords: list[str]
) -> list[dict[str, Any]]:
    """Every ranked posting of the user for the keywords."""
    auth = {"Authorization": headers["Authorization"]}
    response = await client.post(
        "/job-postings", json={"keywords": keywords, "limit": 500}, headers=auth
    )
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["job_postings"]
    return items


async def test_json_import_then_again_imports_nothing(client: httpx.AsyncClient) -> None:
    headers = await user(client)
    rows = [posting(1), posting(2), posting(3)]

    first = await client.post(IMPORT, json={"postings": rows}, headers=headers)
    assert first.status_code == 201, first.text
    assert first.json() == {"imported": 3, "duplicates": 0, "rejected": []}

    again = await client.post(IMPORT, json={"postings": rows}, headers=headers)
    assert again.status_code == 201
    assert again.json() == {"imported": 0, "duplicates": 3, "rejected": []}

    items = await ranked(client, headers, ["importers"])
    assert sorted(item["job_title"] for item in items) == [
        "Importable Engineer 1",
        "Importable Engineer 2",
        "Importable Engineer 3",
    ]


async def test_repeats_inside_one_request_are_duplicates(client: httpx.AsyncClient) -> None:
    headers = await user(client)
    response = await client.post(
        IMPORT, json={"postings": [posting(1), posting(1), posting(2)]}, headers=headers
    )
    assert response.json() == {"imported": 2, "duplicates": 1, "rejected": []}


async def test_empty_import(client: httpx.AsyncClient) -> None:
    headers = await user(client)
    response = await client.post(IMPORT, json={"postings": []}, headers=headers)
    assert response.status_code == 201
    assert response.json() == {"imported": 0, "duplicates": 0, "rejected": []}


async def test_import_needs_a_login(client: httpx.AsyncClient) -> None:
    response = await client.post(IMPORT, json={"postings": [posting(1)]})
    assert response.status_code == 401


async def test_imported_fields_are_what_the_user_sees(client: httpx.AsyncClient) -> None:
    headers = await user(client)
    row = posting(
        7,
        title="  Data Engineer  ",
        company="Żurawiec Technologies",
        location="Kraków, Lesser Poland, Poland",
        description="Pipelines in Python and SQL.",
        posted_at="2026-11-02",
    )
    assert (await client.post(IMPORT, json={"postings": [row]}, headers=headers)).json()[
        "imported"
    ] == 1
    [item] = await ranked(client, headers, ["pipelines"])
    assert item["job_title"] == "Data Engineer"  # surrounding blanks trimmed
    assert item["job_company"] == "Żurawiec Technologies"
    assert item["job_location"] == "Kraków, Lesser Poland, Poland"
    assert item["link"] == row["link"]
    assert item["source"] == "import"
    # A date alone means midnight UTC.
    assert datetime.fromisoformat(item["posted_at"]) == datetime(2026, 11, 2, tzinfo=UTC)


async def test_dates_with_an_offset_are_the_same_instants_in_utc(
    client: httpx.AsyncClient,
) -> None:
    headers = await user(client)
    rows = [
        posting(1, posted_at="2026-11-02T01:00:00+02:00"),
        posting(2, posted_at="2026-11-01T23:30:00Z"),
        posting(3, posted_at="2026-11-01T23:30:00-01:00"),
    ]
    response = await client.post(IMPORT, json={"postings": rows}, headers=headers)
    assert response.json()["imported"] == 3

    items = await ranked(client, headers, ["importers"])
    seen = {item["link"]: datetime.fromisoformat(item["posted_at"]) for item in items}
    assert seen == {
        rows[0]["link"]: datetime(2026, 11, 1, 23, 0, tzinfo=UTC),
        rows[1]["link"]: datetime(2026, 11, 1, 23, 30, tzinfo=UTC),
        rows[2]["link"]: datetime(2026, 11, 2, 0, 30, tzinfo=UTC),
    }
    # Newest first among equals: the latest instant, not the latest wall clock.
    assert [item["link"] for item in items] == [rows[2]["link"], rows[1]["link"], rows[0]["link"]]


DETAILS = {
    "salary": "PLN 20,000-28,000 per month",
    "employment_type": "Full-time",
    "seniority_level": "Mid-Senior level",
}


async def details_seen(client: httpx.AsyncClient, headers: dict[str, str]) -> list[dict[str, str]]:
    """The salary, employment type and seniority of the one posting, wherever it is shown:
    in full, in a ranking, on the board and in both exports."""
    auth = {"Authorization": headers["Authorization"]}
    [item] = await ranked(client, auth, ["importers"])
    detail = (await client.get(f"/job-postings/{item['id']}", headers=auth)).json()
    board = (await client.get("/job-postings/board", headers=auth)).json()
    [card] = [card for column in board["columns"] for card in column["items"]]
    export = {"keywords": ["importers"]}
    [exported] = (
        await client.get("/job-postings/export", params={**export, "format": "json"}, headers=auth)
    ).json()
    csv_text = (await client.get("/job-postings/export", params=export, headers=auth)).text
    [row] = list(csv.DictReader(io.StringIO(csv_text)))
    return [
        {name: shown[name] for name in DETAILS} for shown in (item, detail, card, exported, row)
    ]


async def test_salary_employment_type_and_seniority_are_imported_from_json(
    client: httpx.AsyncClient,
) -> None:
    headers = await user(client)
    response = await client.post(
        IMPORT, json={"postings": [posting(1, **DETAILS)]}, headers=headers
    )
    assert response.json() == {"imported": 1, "duplicates": 0, "rejected": []}
    assert await details_seen(client, headers) == [DETAILS] * 5


async def test_salary_employment_type_and_seniority_are_imported_from_csv(
    client: httpx.AsyncClient,
) -> None:
    headers = await user(client)
    document = to_csv([posting(1, **DETAILS)])
    response = await client.post(
        IMPORT, content=document, headers={**headers, "Content-Type": "text/csv"}
    )
    assert response.json() == {"imported": 1, "duplicates": 0, "rejected": []}
    assert await details_seen(client, headers) == [DETAILS] * 5


async def test_details_are_optional_and_too_long_ones_are_rejected(
    client: httpx.AsyncClient,
) -> None:
    headers = await user(client)
    rows = [posting(1), posting(2, salary="9" * 513), posting(3, seniority_level="x" * 257)]
    body = (await client.post(IMPORT, json={"postings": rows}, headers=headers)).json()
    assert body["imported"] == 1
    reasons = {item["index"]: item["reason"] for item in body["rejected"]}
    assert sorted(reasons) == [1, 2]
    assert "salary" in reasons[1]
    assert "seniority_level" in reasons[2]
    [item] = await ranked(client, headers, ["importers"])
    assert (item["salary"], item["employment_type"], item["seniority_level"]) == ("", "", "")


async def test_sample_json_file(client: httpx.AsyncClient) -> None:
    headers = await user(client)
    sample = json.loads((EXAMPLES / "postings.json").read_text(encoding="utf-8"))
    count = len(sample["postings"])
    first = await client.post(IMPORT, json=sample, headers=headers)
    assert first.json() == {"imported": count, "duplicates": 0, "rejected": []}


async def test_csv_body(client: httpx.AsyncClient) -> None:
    headers = {**await user(client), "Content-Type": "text/csv; charset=utf-8"}
    rows = [posting(1), posting(2, description='Line one,\nline two with "quotes".')]
    first = await client.post(IMPORT, content=to_csv(rows), headers=headers)
    assert first.status_code == 201, first.text
    assert first.json() == {"imported": 2, "duplicates": 0, "rejected": []}
    again = await client.post(IMPORT, content=to_csv(rows), headers=headers)
    assert again.json() == {"imported": 0, "duplicates": 2, "rejected": []}


async def test_csv_with_only_required_columns_and_empty_cells(client: httpx.AsyncClient) -> None:
    headers = {**await user(client), "Content-Type": "text/csv"}
    document = (
        b"title,link,posted_at\r\n"
        b"Minimal Engineer,https://careers.example.com/jobs/1,\r\n"
        b"Dated Engineer,https://careers.example.com/jobs/2,2026-10-10\r\n"
    )
    response = await client.post(IMPORT, content=document, headers=headers)
    assert response.json() == {"imported": 2, "duplicates": 0, "rejected": []}
    items = await ranked(client, headers, ["engineer"])
    by_title = {item["job_title"]: item for item in items}
    assert by_title["Minimal Engineer"]["posted_at"] is None  # empty cell = absent
    assert by_title["Dated Engineer"]["posted_at"].startswith("2026-10-10")


async def test_csv_rows_wider_or_narrower_than_the_header_are_rejected_by_line(
    client: httpx.AsyncClient,
) -> None:
    headers = {**await user(client), "Content-Type": "text/csv"}
    document = (
        b"title,link,company\r\n"
        b"Whole Engineer,https://careers.example.com/jobs/1,Acme\r\n"
        b"Comma, Engineer,https://careers.example.com/jobs/2,Acme\r\n"
        b"Cut Engineer,https://careers.example.com/jobs/3\r\n"
    )
    response = await client.post(IMPORT, content=document, headers=headers)
    assert response.status_code == 201, response.text
    assert response.json()["rejected"] == [
        {
            "index": 1,
            "reason": "line 3 has more cells than the header: is a value's comma not quoted?",
        },
        {
            "index": 2,
            "reason": "line 4 has fewer cells than the header: is a separator missing, or the "
            "file cut short?",
        },
    ]
    # Only the whole row is stored, nothing of the other two.
    assert [item["job_title"] for item in await ranked(client, headers, ["engineer"])] == [
        "Whole Engineer"
    ]


async def test_csv_with_byte_order_mark(client: httpx.AsyncClient) -> None:
    headers = {**await user(client), "Content-Type": "text/csv"}
    document = b"\xef\xbb\xbf" + to_csv([posting(1)])
    response = await client.post(IMPORT, content=document, headers=headers)
    assert response.json() == {"imported": 1, "duplicates": 0, "rejected": []}


async def test_sample_csv_body(client: httpx.AsyncClient) -> None:
    headers = {**await user(client), "Content-Type": "text/csv"}
    document = (EXAMPLES / "postings.csv").read_bytes()
    count = len(list(csv.DictReader(io.StringIO(document.decode("utf-8-sig")))))
    first = (await client.post(IMPORT, content=document, headers=headers)).json()
    assert first["imported"] + len(first["rejected"]) == count
    assert first["imported"] > 0
    again = (await client.post(IMPORT, content=document, headers=headers)).json()
    assert again["imported"] == 0
    assert again["duplicates"] == first["imported"]


async def test_multipart_csv_upload(client: httpx.AsyncClient) -> None:
    headers = await user(client)
    files = {"file": ("my postings.CSV", to_csv([posting(1), posting(2)]), "text/csv")}
    first = await client.post(IMPORT, files=files, headers=headers)
    assert first.status_code == 201, first.text
    assert first.json() == {"imported": 2, "duplicates": 0, "rejected": []}
    again = await client.post(IMPORT, files=files, headers=headers)
    assert again.json() == {"imported": 0, "duplicates": 2, "rejected": []}


async def test_an_uploaded_file_is_closed_with_its_request(client: httpx.AsyncClient) -> None:
    # Left to the collector, an upload's temporary file would hold its descriptor until then.
    headers = await user(client)
    files = {"file": ("postings.csv", to_csv([posting(1)]), "text/csv")}
    before = _open_temporary_files()
    answer = await client.post(IMPORT, files=files, headers=headers)
    assert answer.status_code == 201, answer.text
    assert _open_temporary_files() - before == set()


def _open_temporary_files() -> set[int]:
    """The ids of the temporary files this process holds open."""
    return {
        id(kept)
        for kept in gc.get_objects()
        if isinstance(kept, tempfile.SpooledTemporaryFile) and not kept.closed
    }


async def test_multipart_json_upload(client: httpx.AsyncClient) -> None:
    headers = await user(client)
    wrapped = json.dumps({"postings": [posting(1), posting(2)]}).encode()
    bare_list = json.dumps([posting(2), posting(3)]).encode()
    first = await client.post(
        IMPORT, files={"file": ("postings.json", wrapped, "application/json")}, headers=headers
    )
    assert first.status_code == 201, first.text
    assert first.json() == {"imported": 2, "duplicates": 0, "rejected": []}
    # A plain list of postings works too; the name's suffix decides, not the sent type.
    second = await client.post(
        IMPORT,
        files={"file": ("more.json", bare_list, "application/octet-stream")},
        headers=headers,
    )
    assert second.json() == {"imported": 1, "duplicates": 1, "rejected": []}


async def test_multipart_kind_from_content_type_when_no_suffix(
    client: httpx.AsyncClient,
) -> None:
    headers = await user(client)
    files = {"file": ("export", to_csv([posting(1)]), "text/csv")}
    response = await client.post(IMPORT, files=files, headers=headers)
    assert response.json() == {"imported": 1, "duplicates": 0, "rejected": []}


async def test_multipart_problems(client: httpx.AsyncClient) -> None:
    headers = await user(client)
    wrong_field = await client.post(
        IMPORT, files={"upload": ("p.csv", to_csv([posting(1)]), "text/csv")}, headers=headers
    )
    assert wrong_field.status_code == 400
    assert '"file"' in wrong_field.json()["detail"]

    wrong_kind = await client.post(
        IMPORT, files={"file": ("p.txt", b"hello", "text/plain")}, headers=headers
    )
    assert wrong_kind.status_code == 400
    assert ".csv or .json" in wrong_kind.json()["detail"]

    bad_json = await client.post(
        IMPORT, files={"file": ("p.json", b"{not json", "application/json")}, headers=headers
    )
    assert bad_json.status_code == 400
    assert "JSON" in bad_json.json()["detail"]

    not_a_list = await client.post(
        IMPORT, files={"file": ("p.json", b'{"rows": []}', "application/json")}, headers=headers
    )
    assert not_a_list.status_code == 400


async def test_bad_rows_are_rejected_good_rows_imported(client: httpx.AsyncClient) -> None:
    headers = await user(client)
    rows: list[Any] = [
        posting(1),  # 0: good
        {k: v for k, v in posting(2).items() if k != "title"},  # 1: missing title
        posting(3, link="ftp://careers.example.com/jobs/3"),  # 2: bad link
        posting(4, link="not a link"),  # 3: bad link
        posting(5, posted_at="last Tuesday"),  # 4: bad posted_at
        posting(6, team="Payments"),  # 5: unknown field
        "https://careers.example.com/jobs/7",  # 6: not an object
        posting(8, title="   "),  # 7: blank title
        posting(9),  # 8: good
        [posting(10)],  # 9: not an object
        None,  # 10: not an object
    ]
    response = await client.post(IMPORT, json={"postings": rows}, headers=headers)
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["imported"] == 2
    assert body["duplicates"] == 0
    reasons = {item["index"]: item["reason"] for item in body["rejected"]}
    assert sorted(reasons) == [1, 2, 3, 4, 5, 6, 7, 9, 10]
    assert "title" in reasons[1]
    assert "link" in reasons[2]
    assert "link" in reasons[3]
    assert "posted_at" in reasons[4]
    assert "team" in reasons[5]
    assert "object" in reasons[6]
    assert "title" in reasons[7]
    assert "object" in reasons[9]
    assert "object" in reasons[10]

    titles = {item["job_title"] for item in await ranked(client, headers, ["importers"])}
    assert titles == {"Importable Engineer 1", "Importable Engineer 9"}


async def test_bad_csv_rows_are_rejected_with_their_index(client: httpx.AsyncClient) -> None:
    headers = {**await user(client), "Content-Type": "text/csv"}
    rows = [
        posting(1),
        posting(2, link="careers.example.com/jobs/2"),
        posting(3, posted_at="2026-13-45"),
        posting(4, title=""),
        posting(5),
    ]
    response = await client.post(IMPORT, content=to_csv(rows), headers=headers)
    body = response.json()
    assert body["imported"] == 2
    reasons = {item["index"]: item["reason"] for item in body["rejected"]}
    assert sorted(reasons) == [1, 2, 3]
    assert "link" in reasons[1]
    assert "posted_at" in reasons[2]
    assert "title" in reasons[3]


async def test_csv_header_problems_are_400(client: httpx.AsyncClient) -> None:
    headers = {**await user(client), "Content-Type": "text/csv"}
    unknown = await client.post(
        IMPORT,
        content=b"link,title,bonus,team\nhttps://careers.example.com/jobs/1,Engineer,1,a\n",
        headers=headers,
    )
    assert unknown.status_code == 400
    assert "bonus" in unknown.json()["detail"]
    assert "team" in unknown.json()["detail"]

    missing = await client.post(
        IMPORT, content=b"link,company\nhttps://careers.example.com/jobs/1,Acme\n", headers=headers
    )
    assert missing.status_code == 400
    assert "title" in missing.json()["detail"]

    empty = await client.post(IMPORT, content=b"", headers=headers)
    assert empty.status_code == 400
    assert "link" in empty.json()["detail"]

    # Nothing was imported by the refused documents.
    assert await ranked(client, headers, ["engineer"]) == []


async def test_csv_that_is_not_utf8_is_400(client: httpx.AsyncClient) -> None:
    headers = await user(client)
    document = "link,title\nhttps://careers.example.com/jobs/1,Kierownik zespołu\n".encode("utf-16")
    latin = "link,title\nhttps://careers.example.com/jobs/1,Café manager\n".encode("latin-1")
    for data in (document, latin):
        body = await client.post(
            IMPORT, content=data, headers={**headers, "Content-Type": "text/csv"}
        )
        assert body.status_code == 400
        assert "UTF-8" in body.json()["detail"]
        upload = await client.post(
            IMPORT, files={"file": ("p.csv", data, "text/csv")}, headers=headers
        )
        assert upload.status_code == 400
        assert "UTF-8" in upload.json()["detail"]


async def test_malformed_json_is_422(client: httpx.AsyncClient) -> None:
    headers = {**await user(client), "Content-Type": "application/json"}
    for document in (b'{"postings": [', b"", b"not json at all"):
        response = await client.post(IMPORT, content=document, headers=headers)
        assert response.status_code == 422, document
        assert isinstance(response.json()["detail"], list)


async def test_wrongly_shaped_json_is_422(client: httpx.AsyncClient) -> None:
    headers = await user(client)
    cases: list[Any] = [
        {"postings": "x"},
        {"postings": {"link": "https://careers.example.com/jobs/1"}},
        {"postings": [posting(1)], "replace": True},
        {"rows": [posting(1)]},
        [posting(1)],
        {},
    ]
    for case in cases:
        response = await client.post(IMPORT, json=case, headers=headers)
        assert response.status_code == 422, case
    # Extra keys name themselves in the error.
    extra = await client.post(
        IMPORT, json={"postings": [posting(1)], "replace": True}, headers=headers
    )
    assert any("replace" in item["loc"] for item in extra.json()["detail"])
    assert await ranked(client, headers, ["importers"]) == []


@pytest.mark.parametrize(
    "content_type", ["text/plain", "application/xml", "application/x-www-form-urlencoded"]
)
async def test_unsupported_content_type_is_400(
    client: httpx.AsyncClient, content_type: str
) -> None:
    headers = {**await user(client), "Content-Type": content_type}
    response = await client.post(
        IMPORT, content=json.dumps({"postings": [posting(1)]}).encode(), headers=headers
    )
    assert response.status_code == 400
    assert "text/csv" in response.json()["detail"]


async def test_linkedin_url_forms_are_one_posting(client: httpx.AsyncClient) -> None:
    headers = await user(client)
    job = "4012345678"
    forms = [
        f"https://www.linkedin.com/jobs/view/senior-python-developer-at-acme-{job}",
        f"https://www.linkedin.com/jobs/view/{job}/",
        f"https://www.linkedin.com/jobs/search/?currentJobId={job}&keywords=python",
    ]
    first = await client.post(
        IMPORT, json={"postings": [posting(1, link=forms[0])]}, headers=headers
    )
    assert first.json()["imported"] == 1
    for form in forms[1:]:
        again = await client.post(
            IMPORT, json={"postings": [posting(1, link=form)]}, headers=headers
        )
        assert again.json() == {"imported": 0, "duplicates": 1, "rejected": []}, form
    items = await ranked(client, headers, ["importers"])
    assert len(items) == 1
    assert items[0]["source"] == "linkedin"
    assert items[0]["link"] == forms[0]  # the first-seen link is kept


async def test_normalized_links_are_one_posting(client: httpx.AsyncClient) -> None:
    headers = await user(client)
    forms = [
        "https://careers.example.com/jobs/42",
        "https://careers.example.com/jobs/42/",
        "https://careers.example.com/jobs/42?utm_source=newsletter&utm_medium=email",
        "HTTPS://Careers.Example.com/jobs/42/?utm_campaign=autumn#apply",
    ]
    response = await client.post(
        IMPORT, json={"postings": [posting(1, link=form) for form in forms]}, headers=headers
    )
    assert response.json() == {"imported": 1, "duplicates": 3, "rejected": []}
    # Another path, or a meaningful parameter, is another posting.
    others = [
        "https://careers.example.com/jobs/43",
        "https://careers.example.com/jobs/42?lang=de",
    ]
    response = await client.post(
        IMPORT, json={"postings": [posting(1, link=link) for link in others]}, headers=headers
    )
    assert response.json() == {"imported": 2, "duplicates": 0, "rejected": []}


async def test_external_id_decides_identity(client: httpx.AsyncClient) -> None:
    headers = await user(client)
    rows = [
        posting(1, source="greenhouse", external_id="gh-1"),
        # Same board and id under another link: the same posting.
        posting(2, source="greenhouse", external_id="gh-1"),
        # Same link, another id: another posting.
        posting(1, source="greenhouse", external_id="gh-2"),
        # Same id on another board: another posting.
        posting(1, source="lever", external_id="gh-1"),
    ]
    response = await client.post(IMPORT, json={"postings": rows}, headers=headers)
    assert response.json() == {"imported": 3, "duplicates": 1, "rejected": []}


async def test_invalid_source_name_is_rejected(client: httpx.AsyncClient) -> None:
    headers = await user(client)
    response = await client.post(
        IMPORT, json={"postings": [posting(1, source="linked in!")]}, headers=headers
    )
    body = response.json()
    assert body["imported"] == 0
    assert [item["index"] for item in body["rejected"]] == [0]
    assert "source" in body["rejected"][0]["reason"]


async def test_two_users_importing_one_job_each_keep_their_own_copy(
    client: httpx.AsyncClient,
) -> None:
    alice = await user(client, "alice@example.com")
    bob = await user(client, "bob@example.com")
    alices = posting(1, link="https://careers.example.com/jobs/1?utm_source=alice")
    assert (await client.post(IMPORT, json={"postings": [alices]}, headers=alice)).json()[
        "imported"
    ] == 1
    # Bob imports the same job under a tracking-free link: it is new to him, and his own.
    bob_row = posting(1, link="https://careers.example.com/jobs/1/", title="Bob's Importers")
    assert (await client.post(IMPORT, json={"postings": [bob_row]}, headers=bob)).json() == {
        "imported": 1,
        "duplicates": 0,
        "rejected": [],
    }
    [alice_item] = await ranked(client, alice, ["importers"])
    [bob_item] = await ranked(client, bob, ["importers"])
    assert alice_item["id"] != bob_item["id"]
    assert (alice_item["link"], alice_item["job_title"]) == (
        alices["link"],
        "Importable Engineer 1",
    )
    assert (bob_item["link"], bob_item["job_title"]) == (bob_row["link"], "Bob's Importers")

    # Alice's private import stays hers.
    only_alice = posting(2)
    await client.post(IMPORT, json={"postings": [only_alice]}, headers=alice)
    assert len(await ranked(client, alice, ["importers"])) == 2
    assert len(await ranked(client, bob, ["importers"])) == 1
