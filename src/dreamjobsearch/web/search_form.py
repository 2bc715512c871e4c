"""The search form: what a person types, turned into the `UpdateParams` of a run.

Company boards are typed one a line, as `greenhouse:acme` or as the careers URL
(`https://boards.greenhouse.io/acme`), the way docs/api.md explains naming a board.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

from pydantic import ValidationError

from dreamjobsearch.errors import InvalidInputError
from dreamjobsearch.params.update import UpdateParams
from dreamjobsearch.sources.catalog import source_fields

SWITCHED_SOURCES = ("linkedin", "arbeitnow")
FIELD_LABELS = {
    "queries": "Search for",
    "locations": "Locations",
    "sources": "Company boards",
    "published_after": "Published after",
    "max_jobs_per_search": "Jobs per search",
}
DEFAULT_JOBS_PER_SEARCH = "100"


class SearchFormError(Exception):
    """The form cannot start a run; `problems` say why, one message per problem."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def _board(line: str) -> dict[str, str]:
    """`greenhouse:acme`, `file:postings.json`, or a board's careers URL."""
    try:
        return source_fields(line)
    except InvalidInputError as error:
        raise SearchFormError([str(error)]) from error


def _describe(error: ValidationError) -> list[str]:
    problems = []
    for item in error.errors(include_url=False):
        location = item.get("loc", ())
        label = FIELD_LABELS.get(str(location[0]), "Form") if location else "Form"
        problems.append(f"{label}: {item.get('msg', 'invalid')}")
    return problems


@dataclass(frozen=True, slots=True)
class SearchForm:
    """The form's fields as typed, so a form with a mistake is shown again as it was."""

    queries: str = ""
    locations: str = ""
    linkedin: bool = True
    arbeitnow: bool = False
    boards: str = ""
    published_after: str = ""
    max_jobs_per_search: str = DEFAULT_JOBS_PER_SEARCH
    problems: list[str] = field(default_factory=list)
    # The user's files ticked as sources (`file` sources), by name.
    files: tuple[str, ...] = ()

    @classmethod
    def from_params(cls, params: dict[str, Any]) -> SearchForm:
        """The form filled in as for an earlier run (`Run.params`), to repeat it easily."""
        sources: Iterable[dict[str, Any]] = params.get("sources") or ()
        kinds = {source.get("type") for source in sources}
        boards = [
            f"{source.get('type')}:{source.get('board', '')}"
            for source in sources
            if source.get("type") not in (*SWITCHED_SOURCES, "file")
        ]
        files = tuple(
            str(source.get("path", "")) for source in sources if source.get("type") == "file"
        )
        published = str(params.get("published_after") or "")[:10]
        return cls(
            queries="\n".join(params.get("queries") or ()),
            locations="\n".join(item for item in params.get("locations") or () if item),
            linkedin="linkedin" in kinds,
            arbeitnow="arbeitnow" in kinds,
            boards="\n".join(boards),
            published_after=published,
            max_jobs_per_search=str(params.get("max_jobs_per_search") or DEFAULT_JOBS_PER_SEARCH),
            files=files,
        )

    def with_problems(self, problems: list[str]) -> SearchForm:
        """The same form, showing `problems`."""
        return replace(self, problems=problems)

    def to_params(self) -> UpdateParams:
        """The run this form asks for; `SearchFormError` listing every problem otherwise."""
        problems: list[str] = []
        queries = _lines(self.queries)
        if not queries:
            problems.append("Search for: enter at least one search, one a line")
        sources: list[dict[str, str]] = [
            {"type": kind} for kind in SWITCHED_SOURCES if getattr(self, kind)
        ]
        sources += [{"type": "file", "path": name} for name in dict.fromkeys(self.files)]
        for line in _lines(self.boards):
            try:
                sources.append(_board(line))
            except SearchFormError as error:
                problems.extend(error.problems)
        if not sources:
            problems.append(
                "Sources: tick a job board or one of your files, or add a company board"
            )
        published: date | None = None
        if self.published_after.strip():
            try:
                published = date.fromisoformat(self.published_after.strip())
            except ValueError:
                problems.append("Published after: use a date like 2026-11-01")
        if not self.max_jobs_per_search.strip().isdigit():
            problems.append("Jobs per search: enter a whole number from 1 to 1000")
        if problems:
            raise SearchFormError(problems)
        try:
            return UpdateParams.model_validate(
                {
                    "queries": queries,
                    "locations": _lines(self.locations) or [""],
                    "sources": sources,
                    "published_after": published.isoformat() if published else None,
                    "max_jobs_per_search": int(self.max_jobs_per_search),
                }
            )
        except ValidationError as error:
            raise SearchFormError(_describe(error)) from error
