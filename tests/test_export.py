"""Exporting the ranked view: CSV and JSON downloads of every page, safe in spreadsheets."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from typing import Any

import httpx
from ranking_support import posting, rank_page, user_with

from dreamjobsearch.export import CSV_COLUMNS, safe_cell

EXPORT = "/job-postings/export"
HEADER = ",".join(f'"{column}"' for column in CSV_COLUMNS)
ROWS = [
    posting("Python Developer", "Python and Django.", company="Acme", location="Warsaw, Poland"),
    posting("Python Engineer", "Python, FastAPI.", company="Globex", location="Berlin, Germany"),
    posting('=HYPERLINK("http://evil.example")', "python", company="+48 Evil", location="@home"),
    posting("-Dash", "python django", company="Żabka", location="Kraków, Poland"),
    posting("Barista", "Coffee."),
]


async def export(
    client: httpx.AsyncClient, headers: dict[str, str], **params: Any
) -> httpx.Response:
    """GET the export (python and django by default)."""
    query: dict[str, Any] = {"keywords": ["python", "django"], **params}
    return await client.get(EXPORT, params=query, headers=headers)


def csv_rows(response: httpx.Response) -> list[dict[str, str]]:
    """The CSV body's rows by column name."""
    return list(csv.DictReader(io.StringIO(response.text)))


async def test_csv_export_is_the_whole_ranked_view(client: httpx.AsyncClient) -> None:
    headers = await user_with(client, ROWS)
    ranked = await rank_page(client, headers, ["python", "django"], limit=500)

    response = await export(client, headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    disposition = response.headers["content-disposition"]
    assert disposition.startswith('attachment; filename="job-postings-')
    assert disposition.endswith('.csv"')
    assert response.text.splitlines()[0] == HEADER
    rows = csv_rows(response)
    assert [int(row["id"]) for row in rows] == [item["id"] for item in ranked["job_postings"]]
    assert (rows[0]["job_title"], rows[0]["score"]) == ("'-Dash", "2")
    by_title = {row["job_title"]: row for row in rows}
    developer = by_title["Python Developer"]
    assert developer["score"] == "2"
    assert developer["matched_keywords"] == "python; django"
    assert developer["job_company"] == "Acme"
    assert developer["job_location"] == "Warsaw, Poland"
    assert developer["status"] == "new"
    assert developer["is_new"] == "yes"
    assert developer["link"] == "https://careers.example.com/jobs/python-developer"
    assert developer["links"] == developer["link"]
    assert datetime.fromisoformat(developer["posted_at"]) == datetime(2026, 11, 1, 9, tzinfo=UTC)
    assert "Barista" not in by_title


async def test_csv_cells_never_start_a_formula(client: httpx.AsyncClient) -> None:
    headers = await user_with(client, ROWS)
    rows = csv_rows(await export(client, headers))
    by_title = {row["job_title"]: row for row in rows}
    evil = by_title['\'=HYPERLINK("http://evil.example")']
    assert evil["job_company"] == "'+48 Evil"
    assert evil["job_location"] == "'@home"
    assert "'-Dash" in by_title
    assert by_title["'-Dash"]["job_company"] == "Żabka"
    for row in rows:
        for column, value in row.items():
            assert not value.startswith(("=", "+", "-", "@")), (column, value)


HIDDEN = [
    posting(
        'csvzz;=HYPERLINK("http://evil.example","x")',
        "python",
        company="a,=1+1",
        location='"=2+3',
    ),
    posting("Plain python role", "python", company="Acme; Ltd", location="Kraków, Poland"),
]


async def test_csv_quotes_every_field_and_defuses_hidden_formulas(
    client: httpx.AsyncClient,
) -> None:
    headers = await user_with(client, HIDDEN)
    response = await export(client, headers, keywords=["python"])
    assert response.status_code == 200, response.text
    lines = response.text.splitlines()
    assert len(lines) == 3
    # Every field is quoted, so a separator inside a cell can never start a new cell.
    for line in lines:
        fields = next(csv.reader([line]))
        assert line == ",".join('"' + field.replace('"', '""') + '"' for field in fields)
    by_company = {row["job_company"]: row for row in csv_rows(response)}
    hidden = by_company["'a,=1+1"]
    assert hidden["job_title"] == '\'csvzz;=HYPERLINK("http://evil.example","x")'
    assert hidden["job_location"] == "'\"=2+3"
    plain = by_company["Acme; Ltd"]  # text without a formula is exported as it is
    assert (plain["job_title"], plain["job_location"]) == ("Plain python role", "Kraków, Poland")


def test_safe_cell() -> None:
    assert safe_cell("=1+2") == "'=1+2"
    assert safe_cell("+1") == "'+1"
    assert safe_cell("-1") == "'-1"
    assert safe_cell("@SUM(A1)") == "'@SUM(A1)"
    assert safe_cell("\t=1") == "'\t=1"
    assert safe_cell("Python") == "Python"
    assert safe_cell("a=b") == "a=b"
    assert safe_cell(-1) == -1


async def test_json_export(client: httpx.AsyncClient) -> None:
    headers = await user_with(client, ROWS)
    ranked = await rank_page(client, headers, ["python", "django"], limit=500)
    response = await export(client, headers, format="json")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.headers["content-disposition"].endswith('.json"')
    exported = response.json()
    assert isinstance(exported, list)
    # The same records as the ranking API's, every page of them; text is data, kept as is.
    assert exported == ranked["job_postings"]
    assert exported[1]["job_title"] == "Python Developer"


async def test_export_follows_the_view(client: httpx.AsyncClient) -> None:
    headers = await user_with(client, ROWS)
    ids = {
        item["job_title"]: item["id"]
        for item in (await rank_page(client, headers, ["python"], limit=500))["job_postings"]
    }
    await client.patch(
        f"/job-postings/{ids['Python Engineer']}", json={"status": "archived"}, headers=headers
    )
    await client.put("/me/blocked-companies", json={"companies": ["acme"]}, headers=headers)

    titles = {row["job_title"] for row in csv_rows(await export(client, headers))}
    assert titles == {'\'=HYPERLINK("http://evil.example")', "'-Dash"}
    located = csv_rows(await export(client, headers, location="poland"))
    assert [row["job_title"] for row in located] == ["'-Dash"]
    archived = csv_rows(await export(client, headers, status="archived"))
    assert [(row["job_title"], row["status"]) for row in archived] == [
        ("Python Engineer", "archived")
    ]
    by_date = csv_rows(await export(client, headers, sort="date", status=["new", "archived"]))
    assert len(by_date) == 3


async def test_export_takes_the_ranking_filters_and_no_keywords(
    client: httpx.AsyncClient,
) -> None:
    headers = await user_with(
        client,
        [
            *ROWS,
            posting("Remote Python", "python", location="Remote, EU", salary="€80k"),
            posting("Old", "python", posted_at="2020-01-01T00:00:00Z", salary="€10k"),
        ],
    )
    everything = csv_rows(await client.get(EXPORT, headers=headers))
    assert len(everything) == len(ROWS) + 2
    assert {row["score"] for row in everything} == {"0"}
    remote = csv_rows(await export(client, headers, keywords=["python"], remote="true"))
    assert [row["job_title"] for row in remote] == ["Remote Python"]
    paid = csv_rows(await export(client, headers, keywords=[], has_salary="true"))
    assert [row["job_title"] for row in paid] == ["Remote Python", "Old"]
    recent = csv_rows(await export(client, headers, keywords=[], posted_within_days=365))
    assert "Old" not in {row["job_title"] for row in recent}


async def test_bad_export_requests(client: httpx.AsyncClient) -> None:
    headers = await user_with(client, ROWS)
    for params, expected in [
        ({"keywords": ["python"], "format": "xlsx"}, 422),
        ({"keywords": ["python"], "status": "hired"}, 422),
        ({"keywords": ["python"], "sort": "best"}, 422),
        ({"keywords": ["python"], "posted_within_days": 0}, 422),
        ({"keywords": ["python"], "remote": "perhaps"}, 422),
        ({"keywords": ["x" * 201]}, 400),
    ]:
        response = await client.get(EXPORT, params=params, headers=headers)
        assert response.status_code == expected, (params, response.text)
        assert response.json()["detail"]
    assert (await client.get(EXPORT, params={"keywords": ["python"]})).status_code == 401
    empty = await client.get(EXPORT, params={"keywords": ["cobol"]}, headers=headers)
    assert empty.status_code == 200
    assert empty.text.splitlines() == [HEADER]
