"""Postings from JSON or CSV: the import endpoint, the CLI import and the `file` source.

Each row is validated on its own, so one bad row is reported (with its index and the reason)
while the good rows are imported.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from dreamjobsearch.errors import InvalidInputError
from dreamjobsearch.sources.base import JobLink, JobPosting
from dreamjobsearch.sources.identity import derive_identity
from dreamjobsearch.sources.matching import matches_query
from dreamjobsearch.valid_text import describe, find_invalid_text

MAX_IMPORT_ROWS = 50_000
COLUMNS = (
    "link",
    "title",
    "company",
    "location",
    "description",
    "posted_at",
    "source",
    "external_id",
)
REQUIRED_COLUMNS = ("link", "title")
SUFFIXES = {".json": "json", ".csv": "csv"}


class PostingInput(BaseModel):
    """One posting as imported; unknown fields are refused so typos do not vanish silently."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    link: str = Field(min_length=1, max_length=2048)
    title: str = Field(min_length=1, max_length=512)
    company: str = Field(default="", max_length=512)
    location: str = Field(default="", max_length=512)
    description: str = Field(default="", max_length=200_000)
    posted_at: datetime | date | None = None
    source: str | None = Field(default=None, max_length=64, pattern=r"^[A-Za-z0-9_.-]*$")
    external_id: str | None = Field(default=None, max_length=1024)

    @field_validator("link")
    @classmethod
    def _http_link(cls, value: str) -> str:
        if not value.lower().startswith(("http://", "https://")) or "." not in value:
            raise ValueError("must be an http(s) URL")
        return value

    def to_posting(self) -> JobPosting:
        """The validated row as a `JobPosting` with its identity derived."""
        source, external_id = derive_identity(self.link, self.source, self.external_id)
        return JobPosting(
            source=source,
            external_id=external_id,
            link=self.link,
            title=self.title,
            company=self.company,
            location=self.location,
            description=self.description,
            posted_at=_as_utc(self.posted_at),
        )


@dataclass(frozen=True, slots=True)
class Rejection:
    """A row that was not imported, and why."""

    index: int
    reason: str


@dataclass(slots=True)
class ParsedRows:
    """Valid postings (with their row index) and rejected rows."""

    postings: list[JobPosting] = field(default_factory=list)
    rejected: list[Rejection] = field(default_factory=list)


def _as_utc(value: datetime | date | None) -> datetime | None:
    if value is None:
        return None
    if not isinstance(value, datetime):
        return datetime.combine(value, time.min, tzinfo=UTC)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _reason(error: ValidationError) -> str:
    parts = []
    for detail in error.errors():
        where = ".".join(str(part) for part in detail["loc"]) or "row"
        parts.append(f"{where}: {detail['msg']}")
    return "; ".join(parts)


def parse_rows(rows: Iterable[Any]) -> ParsedRows:
    """Validate each row; good ones become postings, bad ones rejections with a reason."""
    parsed = ParsedRows()
    for index, row in enumerate(rows):
        if not isinstance(row, dict):
            parsed.rejected.append(Rejection(index, "row must be an object"))
            continue
        if invalid := find_invalid_text(row):
            # A NUL or a lone surrogate would be stored and break every later read of it.
            parsed.rejected.append(Rejection(index, describe(invalid)))
            continue
        try:
            parsed.postings.append(PostingInput.model_validate(row).to_posting())
        except ValidationError as error:
            parsed.rejected.append(Rejection(index, _reason(error)))
    return parsed


def _check_row_count(count: int) -> None:
    if count > MAX_IMPORT_ROWS:
        raise InvalidInputError(f"at most {MAX_IMPORT_ROWS} postings per import, got {count}")


def rows_from_json(data: bytes) -> list[Any]:
    """The rows of a JSON document: a list of postings or `{"postings": [...]}`."""
    try:
        document = json.loads(data)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise InvalidInputError(f"the file is not valid JSON: {error}") from error
    if isinstance(document, dict) and set(document) == {"postings"}:
        document = document["postings"]
    if not isinstance(document, list):
        raise InvalidInputError('JSON must be a list of postings or {"postings": [...]}')
    _check_row_count(len(document))
    return document


def rows_from_csv(data: bytes) -> list[dict[str, Any]]:
    """The rows of a CSV file with a header of posting fields; empty cells count as absent."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise InvalidInputError("the CSV file must be UTF-8 text") from error
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = [name.strip() for name in reader.fieldnames or ()]
    missing = [name for name in REQUIRED_COLUMNS if name not in header]
    if missing:
        raise InvalidInputError(f"CSV header lacks required columns: {', '.join(missing)}")
    unknown = [name for name in header if name not in COLUMNS]
    if unknown:
        raise InvalidInputError(
            f"CSV header has unknown columns: {', '.join(unknown)} (allowed: {', '.join(COLUMNS)})"
        )
    reader.fieldnames = header
    rows: list[dict[str, Any]] = []
    try:
        for row in reader:
            _check_row_count(len(rows) + 1)
            rows.append(
                {key: value for key, value in row.items() if key and value not in ("", None)}
            )
    except csv.Error as error:
        raise InvalidInputError(f"the CSV file is malformed: {error}") from error
    return rows


def parse_document(data: bytes, kind: Literal["json", "csv"]) -> ParsedRows:
    """Parse and validate a whole JSON or CSV document (CPU-bound: run it in a thread)."""
    rows = rows_from_json(data) if kind == "json" else rows_from_csv(data)
    return parse_rows(rows)


def resolve_data_file(data_dir: Path, path: str) -> Path:
    """The file `path` names inside DATA_DIR; refuses paths that leave it or do not exist."""
    if "\x00" in path:
        raise InvalidInputError("a file path cannot contain a NUL character")
    root = data_dir.resolve()
    target = (root / path).resolve()
    if not target.is_relative_to(root):
        raise InvalidInputError(f"path {path!r} is outside DATA_DIR: files must be under {root}")
    if target.suffix.lower() not in SUFFIXES:
        raise InvalidInputError(f"path {path!r} must name a .json or .csv file")
    if not target.is_file():
        raise InvalidInputError(f"no file {path!r} in DATA_DIR ({root})")
    return target


def kind_of(path: Path) -> Literal["json", "csv"]:
    """`json` or `csv`, from the file's suffix."""
    return "csv" if path.suffix.lower() == ".csv" else "json"


class FileSource:
    """Postings from a JSON or CSV file under DATA_DIR, filtered by query and location.

    A posting matches a query when every word of the query occurs in its title or
    description as a whole word, by the ranking rule (so `go` does not match `Django`), and
    a location when the location text occurs in its location, ignoring case. The file is
    read once per run.
    """

    name = "file"

    def __init__(self, path: Path, parsed: ParsedRows) -> None:
        self.path = path
        self.parsed = parsed
        self.problems = [f"row {item.index}: {item.reason}" for item in parsed.rejected]

    async def search(
        self, query: str, location: str, since: datetime | None, limit: int
    ) -> AsyncIterator[JobLink | JobPosting]:
        """Yield matching postings, at most `limit`."""
        wanted_location = location.strip().casefold()
        yielded = 0
        for posting in self.parsed.postings:
            if yielded >= limit:
                return
            if not matches_query(query, posting.title, posting.description):
                continue
            if wanted_location and wanted_location not in posting.location.casefold():
                continue
            if since is not None and posting.posted_at is not None and posting.posted_at < since:
                continue
            yielded += 1
            yield posting

    async def fetch(self, link: JobLink) -> JobPosting:
        """The posting with this identity from the file (search already returns postings)."""
        for posting in self.parsed.postings:
            if (posting.source, posting.external_id) == (link.source, link.external_id):
                return posting
        raise InvalidInputError(f"{link.url} is not in {self.path.name}")
