"""What a source says about itself: its request spec and its `SourceKind`.

Each source module ends with one `KIND`: the spec a request names it by, where it lives by
default, how a careers-page address names one of its boards and how it is built for a run.
`sources/catalog.py` maps names to these kinds; nothing else lists the sources.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Annotated, ClassVar, Generic, TypeVar, get_args
from urllib.parse import SplitResult

from pydantic import BaseModel, ConfigDict, Field

from dreamjobsearch.errors import InvalidInputError
from dreamjobsearch.sources.base import JobSource
from dreamjobsearch.sources.http import RunHttp
from dreamjobsearch.storage.user_files import UserFiles

BoardName = Annotated[
    str,
    Field(
        min_length=1,
        max_length=100,
        pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$",
        description="the company's board name, as in its board URL",
    ),
]
# A board named by its own host (`acme.recruitee.com`): one DNS label, so a name cannot
# reach outside the service's domain or be no host at all.
SubdomainName = Annotated[
    str,
    Field(
        min_length=1,
        max_length=63,
        pattern=r"^[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?$",
        description="the company's name, as in its careers site's host",
    ),
]
# In the base URL of a board named by its host, where the board's name goes.
BOARD_PLACEHOLDER = "{board}"


class BaseSourceSpec(BaseModel):
    """How a request names a source: `{"type": ...}` plus what that type needs.

    Each source's spec narrows `type` to its own name, so a list of specs validates as a
    discriminated union (`sources/catalog.py`).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    type: str
    # What users call the source: `LinkedIn`, `Greenhouse`.
    title: ClassVar[str] = "?"

    @classmethod
    def source_name(cls) -> str:
        """The name this spec's `type` must be (`greenhouse`)."""
        return str(get_args(cls.model_fields["type"].annotation)[0])

    @classmethod
    def short_form(cls) -> str:
        """How the CLI and the search form write it: `linkedin`, `greenhouse:NAME`."""
        return cls.source_name()

    @classmethod
    def fields_from_name(cls, name: str) -> dict[str, str]:
        """The request fields of the short form (`linkedin`: a source of its own has no name)."""
        if name:
            raise InvalidInputError(f"{cls.source_name()} takes no name: write {cls.short_form()}")
        return {"type": cls.source_name()}

    def label(self) -> str:
        """A short name for logs and progress, e.g. `greenhouse:acme`."""
        board = getattr(self, "board", None)
        return f"{self.type}:{board}" if board else self.type

    def display_name(self) -> str:
        """What users call the source, for the messages they read: `LinkedIn`,
        `the Greenhouse board acme`."""
        board = getattr(self, "board", None)
        return f"the {self.title} board {board}" if board else self.title


class CompanyBoardSpec(BaseSourceSpec):
    """A spec naming one company's board on a hosted careers service."""

    board: BoardName

    @classmethod
    def short_form(cls) -> str:
        """`greenhouse:NAME`."""
        return f"{cls.source_name()}:NAME"

    @classmethod
    def fields_from_name(cls, name: str) -> dict[str, str]:
        """`greenhouse:acme` names the board `acme`; a company board needs its name."""
        if not name:
            raise InvalidInputError(f"name the board: {cls.short_form()}")
        return {"type": cls.source_name(), "board": name}


class SubdomainBoardSpec(CompanyBoardSpec):
    """A spec naming one company's careers site on a service that gives each company a host
    of its own (`acme.recruitee.com`)."""

    board: SubdomainName


SpecT = TypeVar("SpecT", bound=BaseSourceSpec)
# What the edge in front of many careers APIs answers a client it wants gone: an
# access-denied page, or "too many requests".
EDGE_BLOCKED_STATUSES = frozenset({403, 429})


@dataclass(frozen=True, slots=True)
class BuildContext:
    """What building a source may use: the run's HTTP, the source's base URL (from its
    `DREAMJOB_<NAME>_BASE_URL` setting) and, for a user's own files, their file area."""

    http: RunHttp
    base_url: str
    files: UserFiles
    user_id: int


@dataclass(frozen=True, slots=True)
class SourceKind(Generic[SpecT]):
    """One source described whole: everything the rest of the code needs to know of it.

    `build` makes the source for one run. `default_base_url` is where the real service is
    (None for a source that asks no server); `about` says what it is, for docs/settings.md.
    `board_at` takes a careers-page address and answers the board it names on this service,
    or None when the address is not this service's. `check` refuses, before a run starts,
    a spec that cannot work. `blocked_statuses` are the answers by which the service says
    "you are blocked": a few in a row open its host's circuit for the run (`sources/http.py`).
    """

    spec: type[SpecT]
    build: Callable[[SpecT, BuildContext], Awaitable[JobSource]]
    default_base_url: str | None = None
    about: str = ""
    board_at: Callable[[SplitResult], str | None] = field(default=lambda _address: None)
    check: Callable[[SpecT, UserFiles, int], Awaitable[None]] | None = None
    blocked_statuses: frozenset[int] = frozenset()

    @property
    def name(self) -> str:
        """The source's name, the `type` its spec carries (`greenhouse`)."""
        return self.spec.source_name()


def board_in_path(*hosts: str) -> Callable[[SplitResult], str | None]:
    """A `board_at` for services whose careers pages are `https://<host>/<board>/...`."""
    known = {host.lower() for host in hosts}

    def board_at(address: SplitResult) -> str | None:
        if (address.hostname or "").lower() not in known:
            return None
        return address.path.strip("/").split("/")[0] or None

    return board_at


def board_in_subdomain(*domains: str) -> Callable[[SplitResult], str | None]:
    """A `board_at` for services whose careers pages are `https://<board>.<domain>/...`."""
    suffixes = tuple(f".{domain.lower()}" for domain in domains)

    def board_at(address: SplitResult) -> str | None:
        host = (address.hostname or "").lower()
        for suffix in suffixes:
            board = host.removesuffix(suffix)
            if board != host and board and "." not in board:
                return board
        return None

    return board_at


def board_base_url(template: str, board: str) -> str:
    """The base URL of one board of a service that gives each company its own host: the
    `{board}` of the template (`https://{board}.recruitee.com`) replaced by its name. A
    template without one is a single site (a mirror, a test server) serving that board."""
    return template.replace(BOARD_PLACEHOLDER, board)


def company_board(
    source: Callable[[RunHttp, str, str], JobSource],
) -> Callable[[CompanyBoardSpec, BuildContext], Awaitable[JobSource]]:
    """A `build` for a company board whose source takes `(http, base_url, board)`."""

    async def build(spec: CompanyBoardSpec, context: BuildContext) -> JobSource:
        return source(context.http, context.base_url, spec.board)

    return build


def one_site(
    source: Callable[[RunHttp, str], JobSource],
) -> Callable[[BaseSourceSpec, BuildContext], Awaitable[JobSource]]:
    """A `build` for a source of one site (LinkedIn) whose source takes `(http, base_url)`."""

    async def build(spec: BaseSourceSpec, context: BuildContext) -> JobSource:
        return source(context.http, context.base_url)

    return build
