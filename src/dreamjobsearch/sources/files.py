"""Postings from JSON, JSON Lines or CSV: the import endpoint, the CLI import and the `file`
source.

Each row is validated on its own, so one bad row is reported (with its index and the reason)
while the good rows are imported.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import AsyncIterator, Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from pathlib import PurePath
from typing import Any, BinaryIO, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from dreamjobsearch.domain.postings import JobLink, JobPosting
from dreamjobsearch.errors import InvalidInputError
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
    "salary",
    "employment_type",
    "seniority_level",
)
REQUIRED_COLUMNS = ("link", "title")
DocumentKind = Literal["json", "jsonl", "csv"]
KINDS_BY_SUFFIX: dict[str, DocumentKind] = {".json": "json", ".jsonl": "jsonl", ".csv": "csv"}
SUPPORTED_SUFFIXES = ".json, .jsonl or .csv"
WRONG_SHAPE = 'JSON must be a list of postings or {"postings": [...]}'
NOT_UTF8 = "it must be UTF-8 text"
EMPTY = "it is empty"


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
    # Free text, as boards show them ("EUR 60,000-80,000 per year", "Full-time", "Senior"),
    # at most what the postings table holds.
    salary: str = Field(default="", max_length=512)
    employment_type: str = Field(default="", max_length=256)
    seniority_level: str = Field(default="", max_length=256)

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
            salary=self.salary,
            employment_type=self.employment_type,
            seniority_level=self.seniority_level,
        )


@dataclass(frozen=True, slots=True)
class Rejection:
    """A row that was not imported, and why."""

    index: int
    reason: str


class DocumentError(InvalidInputError):
    """The document cannot be read as its kind; `line` says where, when known, and `hint`
    why, in words that quote nothing of the file (for messages that must not repeat it)."""

    def __init__(self, message: str, line: int | None, hint: str = "") -> None:
        super().__init__(message)
        self.line = line
        self.hint = hint


@dataclass(frozen=True, slots=True)
class MalformedRow:
    """A row that could not even be decoded (a JSON Lines line that is not JSON, a CSV line
    with more or fewer cells than the header): in a file read a piece at a time it is
    rejected with `reason` and the rows after it are read on; a whole JSON Lines document
    holding one is refused at its `line` (a CSV document's row is rejected like any other)."""

    reason: str
    line: int


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


def _reason(error: ValidationError, name_unknown: bool) -> str:
    parts = []
    for detail in error.errors():
        where = ".".join(str(part) for part in detail["loc"]) or "row"
        if not name_unknown and detail["loc"] and detail["loc"][0] not in COLUMNS:
            # The name of a field we do not know is the file's content, not ours to repeat.
            where = "an unknown field"
        parts.append(f"{where}: {detail['msg']}")
    return "; ".join(parts)


def parse_rows(rows: Iterable[Any], name_unknown: bool = True, first_index: int = 0) -> ParsedRows:
    """Validate each row; good ones become postings, bad ones rejections with a reason
    (naming an unknown field only with `name_unknown`). Rows are numbered from
    `first_index` (a later piece of a file read a piece at a time)."""
    parsed = ParsedRows()
    for index, row in enumerate(rows, start=first_index):
        if isinstance(row, MalformedRow):
            parsed.rejected.append(Rejection(index, row.reason))
            continue
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
            parsed.rejected.append(Rejection(index, _reason(error, name_unknown)))
    return parsed


def too_many_rows(count: int | str) -> str:
    """What an import of more rows than one request takes says: the limit and the way
    around it."""
    return (
        f"at most {MAX_IMPORT_ROWS} postings per import, got {count}; import a larger "
        "file with the command line, which reads it a piece at a time: "
        "dreamjob import FILE --email EMAIL"
    )


def _counted(rows: Iterable[Any]) -> list[Any]:
    """`rows` as a list, refused past `MAX_IMPORT_ROWS` (a whole document in memory)."""
    kept = []
    for row in rows:
        kept.append(row)
        if len(kept) > MAX_IMPORT_ROWS:
            raise InvalidInputError(too_many_rows(f"more than {MAX_IMPORT_ROWS}"))
    return kept


def rows_from_json(data: bytes) -> list[Any]:
    """The rows of a JSON document: a list of postings or `{"postings": [...]}`."""
    if not data.strip():
        raise DocumentError(f"the file is not valid JSON: {EMPTY}", 1, EMPTY)
    try:
        document = json.loads(data)
    except UnicodeDecodeError as error:
        raise DocumentError(f"the file is not valid JSON: {NOT_UTF8}", None, NOT_UTF8) from error
    except json.JSONDecodeError as error:
        # `msg` is the parser's own words ("Expecting ',' delimiter"), never the file's.
        raise DocumentError(
            f"the file is not valid JSON: {error}", error.lineno, error.msg
        ) from error
    if isinstance(document, dict) and set(document) == {"postings"}:
        document = document["postings"]
    if not isinstance(document, list):
        raise DocumentError(WRONG_SHAPE, 1, WRONG_SHAPE)
    if len(document) > MAX_IMPORT_ROWS:
        raise InvalidInputError(too_many_rows(len(document)))
    return document


def rows_from_jsonl(data: bytes) -> list[Any]:
    """The rows of a JSON Lines document: one posting a line; blank lines are skipped.
    A line that is not JSON refuses the document (it is stored whole or not at all)."""
    rows = _counted(json_lines_rows(io.BytesIO(data)))
    for row in rows:
        if isinstance(row, MalformedRow):
            raise DocumentError(row.reason, row.line)
    return rows


def rows_from_csv(data: bytes) -> list[dict[str, Any]]:
    """The rows of a CSV file with a header of posting fields; empty cells count as absent,
    a line wider or narrower than the header is a `MalformedRow`."""
    return _counted(csv_rows(io.BytesIO(data)))


def json_lines_rows(file: BinaryIO) -> Iterator[Any]:
    """The rows of a JSON Lines file, a line at a time; a line that is not JSON is a
    `MalformedRow` (the lines after it are still readable), except a last line cut short,
    which most likely means the file was: `DocumentError`."""
    for number, line in enumerate(file, start=1):
        if not line.strip():
            continue
        try:
            yield json.loads(line)
        except (json.JSONDecodeError, UnicodeDecodeError) as error:
            if not line.endswith(b"\n"):
                raise DocumentError(
                    f"line {number} is not valid JSON and ends the file: is the file cut short?",
                    number,
                ) from error
            reason = error.msg if isinstance(error, json.JSONDecodeError) else "not UTF-8 text"
            yield MalformedRow(f"line {number} is not valid JSON: {reason}", number)


def csv_rows(file: BinaryIO) -> Iterator[dict[str, Any] | MalformedRow]:
    """The rows of a CSV file with a header of posting fields, a line at a time; empty
    cells count as absent. A bad header raises `DocumentError` at once."""
    text = io.TextIOWrapper(file, encoding="utf-8-sig", newline="")
    # Strict: a quoted cell that the file ends inside (a file cut short) is an error.
    reader = csv.DictReader(text, strict=True)
    try:
        header = [name.strip() for name in reader.fieldnames or ()]
    except csv.Error as error:
        raise DocumentError(f"the CSV file is malformed: {error}", reader.line_num) from error
    except UnicodeDecodeError as error:
        raise DocumentError("the CSV file must be UTF-8 text", None, NOT_UTF8) from error
    missing = [name for name in REQUIRED_COLUMNS if name not in header]
    if missing:
        # Our column names only: the header's other names are the file's.
        columns = ", ".join(missing)
        raise DocumentError(
            f"CSV header lacks required columns: {columns}",
            1,
            f"its header lacks the required columns {columns}",
        )
    unknown = [name for name in header if name not in COLUMNS]
    if unknown:
        raise DocumentError(
            f"CSV header has unknown columns: {', '.join(unknown)} (allowed: {', '.join(COLUMNS)})",
            1,
        )
    reader.fieldnames = header
    return _csv_records(reader, text)


def _csv_records(
    reader: csv.DictReader[str], text: io.TextIOWrapper
) -> Iterator[dict[str, Any] | MalformedRow]:
    try:
        for row in reader:
            if problem := _row_width_problem(row):
                # Never a posting as written; the last row of a file cut short looks so.
                yield MalformedRow(f"line {reader.line_num} {problem}", reader.line_num)
                continue
            yield {key: value for key, value in row.items() if key and value not in ("", None)}
    except csv.Error as error:
        raise DocumentError(f"the CSV file is malformed: {error}", reader.line_num) from error
    except UnicodeDecodeError as error:
        raise DocumentError(
            f"the CSV file must be UTF-8 text (line {reader.line_num})",
            reader.line_num,
            NOT_UTF8,
        ) from error
    finally:
        # The file is its opener's to close: the text layer would close it when collected.
        text.detach()


def _row_width_problem(row: dict[str | None, Any]) -> str | None:
    """What is wrong with a CSV row's width: `DictReader` fills the cells a short row lacks
    with None and files a long row's extra cells under the key None."""
    if None in row:
        return "has more cells than the header: is a value's comma not quoted?"
    if any(value is None for value in row.values()):
        return "has fewer cells than the header: is a separator missing, or the file cut short?"
    return None


READERS: dict[DocumentKind, Callable[[bytes], list[Any]]] = {
    "json": rows_from_json,
    "jsonl": rows_from_jsonl,
    "csv": rows_from_csv,
}


def parse_document(data: bytes, kind: DocumentKind, name_unknown: bool = True) -> ParsedRows:
    """Parse and validate a whole document (CPU-bound: run it in a thread)."""
    return parse_rows(READERS[kind](data), name_unknown)


class UnsupportedFileTypeError(InvalidInputError):
    """A file whose extension names no kind of document we read (a spreadsheet, a PDF)."""


def kind_of(name: str | PurePath) -> DocumentKind:
    """`json`, `jsonl` or `csv`, from the file name's extension (any case).

    Any other extension raises `UnsupportedFileTypeError` naming it: reading a spreadsheet
    as JSON would only report a confusing parse error.
    """
    suffix = PurePath(name).suffix.lower()
    kind = KINDS_BY_SUFFIX.get(suffix)
    if kind is None:
        shown = suffix or "(no extension)"
        raise UnsupportedFileTypeError(f"unsupported file type {shown}: use {SUPPORTED_SUFFIXES}")
    return kind


def load_file_source(name: str, data: bytes) -> FileSource:
    """The `file` source over one of the user's files (CPU-bound: run it in a thread).

    Its errors name the file and, when known, the line, and never repeat the file's content
    (a header, a cell) nor say where the server keeps it.
    """
    kind = kind_of(name)
    try:
        parsed = parse_document(data, kind, name_unknown=False)
    except DocumentError as error:
        where = f" at line {error.line}" if error.line else ""
        why = f": {error.hint}" if error.hint else ""
        label = "CSV" if kind == "csv" else "JSON"
        raise InvalidInputError(f"file {name} is not valid {label}{where}{why}") from error
    return FileSource(name, parsed)


class FileSource:
    """Postings from one of the user's files, filtered by query and location.

    A posting matches a query when every word of the query occurs in its title or
    description as a whole word, by the ranking rule (so `go` does not match `Django`), and
    a location when the location text occurs in its location, ignoring case. The file is
    read once per run.
    """

    name = "file"
    # The user supplied the file, so its postings are stored for that user alone.
    server_fetched = False

    def __init__(self, file_name: str, parsed: ParsedRows) -> None:
        self.file_name = file_name
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
        raise InvalidInputError(f"that posting is not in file {self.file_name}")
