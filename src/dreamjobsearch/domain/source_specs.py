"""How a request names a source: `{"type": ..., ...}` objects, validated by type."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

from dreamjobsearch.domain.file_names import FILE_NAME_PATTERN, MAX_NAME_LENGTH

BoardName = Annotated[
    str,
    Field(
        min_length=1,
        max_length=100,
        pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$",
        description="the company's board name, as in its board URL",
    ),
]

DISPLAY_NAMES = {
    "linkedin": "LinkedIn",
    "greenhouse": "Greenhouse",
    "lever": "Lever",
    "ashby": "Ashby",
    "arbeitnow": "Arbeitnow",
}


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    def label(self) -> str:
        """A short name for logs and progress, e.g. `greenhouse:acme`."""
        board = getattr(self, "board", None)
        kind: str = getattr(self, "type", "?")
        return f"{kind}:{board}" if board else kind

    def display_name(self) -> str:
        """What users call the source, for the messages they read: `LinkedIn`,
        `the Greenhouse board acme`."""
        kind = DISPLAY_NAMES.get(self.label().partition(":")[0], "?")
        board = getattr(self, "board", None)
        return f"the {kind} board {board}" if board else kind


class LinkedInSourceSpec(_Spec):
    """LinkedIn's public job search."""

    type: Literal["linkedin"]


class GreenhouseSourceSpec(_Spec):
    """A company's Greenhouse job board."""

    type: Literal["greenhouse"]
    board: BoardName


class LeverSourceSpec(_Spec):
    """A company's Lever job site."""

    type: Literal["lever"]
    board: BoardName


class AshbySourceSpec(_Spec):
    """A company's Ashby job board."""

    type: Literal["ashby"]
    board: BoardName


class ArbeitnowSourceSpec(_Spec):
    """Arbeitnow's open job-board API (an aggregator)."""

    type: Literal["arbeitnow"]


class FileSourceSpec(_Spec):
    """A JSON, JSON Lines or CSV file of postings among the user's own files (`/me/files`)."""

    type: Literal["file"]
    path: str = Field(
        min_length=1,
        max_length=MAX_NAME_LENGTH,
        pattern=FILE_NAME_PATTERN,
        description="the name of one of your files, as uploaded with PUT /me/files/{name}",
    )

    def label(self) -> str:
        """`file:<path>`."""
        return f"file:{self.path}"

    def display_name(self) -> str:
        """`your file postings.json`."""
        return f"your file {self.path}"


SourceSpec = Annotated[
    LinkedInSourceSpec
    | GreenhouseSourceSpec
    | LeverSourceSpec
    | AshbySourceSpec
    | ArbeitnowSourceSpec
    | FileSourceSpec,
    Field(discriminator="type"),
]
SOURCE_SPEC: TypeAdapter[SourceSpec] = TypeAdapter(SourceSpec)
DEFAULT_SOURCES: tuple[dict[str, str], ...] = ({"type": "linkedin"},)


def parse_source(text: str) -> SourceSpec:
    """A spec from the CLI's short form: `linkedin`, `greenhouse:acme`, `file:postings.json`
    (one of the account's files)."""
    kind, _, name = text.partition(":")
    if kind == "file":
        return SOURCE_SPEC.validate_python({"type": "file", "path": name})
    if name:
        return SOURCE_SPEC.validate_python({"type": kind, "board": name})
    return SOURCE_SPEC.validate_python({"type": kind})
