"""Every source, by name: the one mapping a new board is added to.

Everything else that needs to know the sources reads it from here: the request schema (a
discriminated union of the sources' specs), the short forms `greenhouse:acme` and careers-page
addresses, each source's base URL with its default, how a source is built for a run.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any, Union
from urllib.parse import urlsplit

from pydantic import Field, TypeAdapter

from dreamjobsearch.errors import InvalidInputError
from dreamjobsearch.sources import (
    arbeitnow,
    ashby,
    file_source,
    greenhouse,
    lever,
    linkedin,
    personio,
    recruitee,
    smartrecruiters,
    workable,
)
from dreamjobsearch.sources.kinds import BaseSourceSpec, CompanyBoardSpec, SourceKind

SOURCES: dict[str, SourceKind[Any]] = {
    kind.name: kind
    for kind in (
        linkedin.KIND,
        greenhouse.KIND,
        lever.KIND,
        ashby.KIND,
        workable.KIND,
        smartrecruiters.KIND,
        recruitee.KIND,
        personio.KIND,
        arbeitnow.KIND,
        file_source.KIND,
    )
}

if TYPE_CHECKING:
    SourceSpec = BaseSourceSpec
else:
    SourceSpec = Annotated[
        Union[tuple(kind.spec for kind in SOURCES.values())],  # noqa: UP007 -- built from a tuple
        Field(discriminator="type"),
    ]
SOURCE_SPEC: TypeAdapter[SourceSpec] = TypeAdapter(SourceSpec)
DEFAULT_SOURCES: tuple[dict[str, str], ...] = ({"type": "linkedin"},)
COMPANY_BOARDS = tuple(
    name for name, kind in SOURCES.items() if issubclass(kind.spec, CompanyBoardSpec)
)


def source_fields(text: str) -> dict[str, str]:
    """The request fields a short form names, not yet validated.

    `linkedin`, `greenhouse:acme`, `file:postings.json`, or a company's careers-page address
    (`https://boards.greenhouse.io/acme`, with or without the scheme, or a company's own
    host such as `acme.recruitee.com`). `InvalidInputError`
    names the problem when the text is neither.
    """
    text = text.strip()
    # An address with a path, or a bare host (`acme.recruitee.com`): a short form without a
    # colon is a plain source name, which has no dot.
    is_address = "/" in text or ("." in text and ":" not in text)
    if is_address and not text.lower().startswith("file:"):
        return _board_at(text)
    kind, _, name = text.partition(":")
    found = SOURCES.get(kind.strip().lower())
    if found is None:
        boards = ", ".join(SOURCES[board].spec.short_form() for board in COMPANY_BOARDS)
        raise InvalidInputError(
            f"{text!r}: write a board as {boards} or its careers-page address "
            f"(every source: {short_forms()})"
        )
    spec: type[BaseSourceSpec] = found.spec
    try:
        return spec.fields_from_name(name.strip())
    except InvalidInputError as error:
        raise InvalidInputError(f"{text!r}: {error}") from error


def short_forms() -> str:
    """Every source's short form, for help texts: `linkedin, greenhouse:<board>, ...`."""
    return ", ".join(kind.spec.short_form() for kind in SOURCES.values())


def parse_source(text: str) -> SourceSpec:
    """The validated spec of a short form (see `source_fields`); `InvalidInputError` or
    pydantic's `ValidationError` when it names nothing usable."""
    return SOURCE_SPEC.validate_python(source_fields(text))


def _board_at(address: str) -> dict[str, str]:
    parts = urlsplit(address if "://" in address else f"https://{address}")
    for name, kind in SOURCES.items():
        board = kind.board_at(parts)
        if board:
            return {"type": name, "board": board}
    titles = ", ".join(SOURCES[name].spec.title for name in COMPANY_BOARDS)
    raise InvalidInputError(f"{address!r} is not the address of a company board ({titles})")


def base_urls(configured: dict[str, str]) -> dict[str, str]:
    """Each server-asking source's base URL: its setting where set, else its default.

    `ValueError` for a setting that names no source: a typo would otherwise leave a test,
    or a mirror, silently pointed at the real service.
    """
    unknown = ", ".join(
        f"DREAMJOB_{name.upper()}_BASE_URL" for name in configured if name not in SOURCES
    )
    if unknown:
        raise ValueError(f"{unknown}: no such source (known: {', '.join(SOURCES)})")
    urls: dict[str, str] = {}
    for name, kind in SOURCES.items():
        if kind.default_base_url is not None:
            urls[name] = configured.get(name) or kind.default_base_url
    return urls
