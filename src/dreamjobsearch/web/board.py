"""The board page's model: the viewer's postings in one column per status, a page at a time."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from dreamjobsearch.domain.tracking import STATUSES
from dreamjobsearch.storage.tracking import BoardCard, StatusColumn
from dreamjobsearch.web.filters import STATUS_LABELS
from dreamjobsearch.web.views import BoardLink, board_links, web_url
from dreamjobsearch.workspace import Workspace

BOARD_PATH = "/board"
CARDS_PER_COLUMN = 50


@dataclass(frozen=True, slots=True)
class Card:
    """One job on the board."""

    id: int
    title: str
    link: str | None
    company: str
    location: str
    status: str
    note: str
    boards: list[BoardLink]

    @classmethod
    def of(cls, card: BoardCard) -> Card:
        """Shape a job of the board."""
        tracked = card.tracked
        posting = tracked.posting
        return cls(
            id=posting.id,
            title=posting.title,
            link=web_url(posting.link),
            company=posting.company,
            location=posting.location,
            status=tracked.status,
            note=tracked.note,
            boards=board_links(card.links),
        )


@dataclass(frozen=True, slots=True)
class Column:
    """One status: its label, how many jobs have it, and this page's cards."""

    status: str
    label: str
    count: int
    cards: list[Card]

    @classmethod
    def of(cls, column: StatusColumn) -> Column:
        """Shape a board column."""
        label = next((STATUS_LABELS[s] for s in STATUSES if s == column.status), column.status)
        return cls(column.status, label, column.count, [Card.of(item) for item in column.items])


@dataclass(frozen=True, slots=True)
class Board:
    """The columns of one page of the board, and links to the pages around it."""

    columns: list[Column]
    page: int
    previous: str | None
    next: str | None

    @property
    def here(self) -> str:
        """This page's address (where a form on it comes back to)."""
        return page_url(self.page)

    def context(self, csrf_token: str) -> dict[str, Any]:
        """What the board templates need."""
        return {
            "board": self,
            "csrf_token": csrf_token,
            "here": self.here,
            "statuses": STATUSES,
            "status_labels": STATUS_LABELS,
        }


def page_url(page: int) -> str:
    """The address of a page of the board."""
    return BOARD_PATH if page <= 1 else f"{BOARD_PATH}?page={page}"


async def load_board(workspace: Workspace, page: int) -> Board:
    """A page of the board: up to `CARDS_PER_COLUMN` of each status's most recently found."""
    offset = (page - 1) * CARDS_PER_COLUMN
    columns = await workspace.board(None, CARDS_PER_COLUMN, offset)
    more = any(column.count > offset + CARDS_PER_COLUMN for column in columns)
    return Board(
        columns=[Column.of(column) for column in columns],
        page=page,
        previous=page_url(page - 1) if page > 1 else None,
        next=page_url(page + 1) if more else None,
    )
