"""Exporting a ranked view as a file: CSV (a header row, one row per job) or a JSON list.

A CSV opened in a spreadsheet runs any cell that starts like a formula, and postings come
from job boards we do not control. Following OWASP's CSV-injection advice, every field is
quoted, and a cell that starts like a formula, or hides one after a separator or a quote
(`csvzz;=HYPERLINK(...)`, `a,=1+1`, `"=1+1`: a spreadsheet that splits or unquotes the
text would run it), is prefixed with a single quote, which makes the whole cell text. The
JSON export is data only and keeps text as is.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from dreamjobsearch.domain.ranking import RankedPosting

ExportFormat = Literal["csv", "json"]
CSV_COLUMNS = (
    "id",
    "score",
    "matched_keywords",
    "job_title",
    "job_company",
    "job_location",
    "salary",
    "employment_type",
    "seniority_level",
    "posted_at",
    "found_at",
    "status",
    "note",
    "is_new",
    "link",
    "source",
    "links",
)
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# A formula start after a field separator, a quote or a line break, spaces allowed between.
HIDDEN_FORMULA = re.compile(r"[,;|\"'\r\n\t]\s*[=+\-@]")
MEDIA_TYPES: dict[ExportFormat, str] = {
    "csv": "text/csv; charset=utf-8",
    "json": "application/json",
}


@dataclass(frozen=True, slots=True)
class ExportFile:
    """A file to download: its suggested name, media type, bytes, and how many postings
    it holds (for the terminal's report)."""

    filename: str
    media_type: str
    content: bytes
    count: int


def job_record(item: RankedPosting) -> dict[str, Any]:
    """A result as JSON data, with the field names of the ranking API."""
    posting = item.posting
    return {
        "id": posting.id,
        "score": item.score,
        "matched_keywords": list(item.matched_keywords),
        "link": posting.link,
        "job_title": posting.title,
        "job_company": posting.company,
        "job_location": posting.location,
        "salary": posting.salary,
        "employment_type": posting.employment_type,
        "seniority_level": posting.seniority_level,
        "posted_at": _iso(posting.posted_at) if posting.posted_at else None,
        "found_at": _iso(posting.found_at),
        "source": posting.source,
        "status": item.status,
        "note": item.note,
        "is_new": item.is_new,
        "links": [{"source": source, "link": link} for source, link in item.links],
    }


def _iso(moment: datetime) -> str:
    # UTC written with "Z", as the API writes it.
    return moment.isoformat().replace("+00:00", "Z")


def safe_cell(value: object) -> object:
    """A CSV cell that no spreadsheet will run as a formula."""
    if isinstance(value, str) and (
        value.startswith(FORMULA_STARTS) or HIDDEN_FORMULA.search(value)
    ):
        return "'" + value
    return value


def _csv_row(item: RankedPosting) -> list[object]:
    record = job_record(item)
    record["matched_keywords"] = "; ".join(item.matched_keywords)
    record["links"] = " ".join(link for _source, link in item.links)
    record["posted_at"] = record["posted_at"] or ""
    record["is_new"] = "yes" if item.is_new else "no"
    return [safe_cell(record[column]) for column in CSV_COLUMNS]


def render(items: Sequence[RankedPosting], kind: ExportFormat, now: datetime) -> ExportFile:
    """The file of `items` in `kind`. CPU work for large views: call it from a thread."""
    if kind == "json":
        content = json.dumps([job_record(item) for item in items], ensure_ascii=False).encode()
    else:
        buffer = io.StringIO(newline="")
        writer = csv.writer(buffer, quoting=csv.QUOTE_ALL)
        writer.writerow(CSV_COLUMNS)
        writer.writerows(_csv_row(item) for item in items)
        content = buffer.getvalue().encode()
    return ExportFile(
        filename=f"job-postings-{now:%Y%m%d-%H%M%S}.{kind}",
        media_type=MEDIA_TYPES[kind],
        content=content,
        count=len(items),
    )
