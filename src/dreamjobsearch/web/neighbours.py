"""Previous and next on a posting's page: its neighbours in the results it was opened from.

The results page links each row with its filters and its place in them (`at`); here the
same ranking is asked for the three places around it, no more, so paging through postings
costs one small ranking each.
"""

from __future__ import annotations

from dataclasses import dataclass

from dreamjobsearch.errors import InvalidInputError, NotFoundError
from dreamjobsearch.web.filters import RESULTS_PAGE_SIZE, Filters
from dreamjobsearch.workspace import Workspace


@dataclass(frozen=True, slots=True)
class Neighbours:
    """Links to the postings before and after one in its results, and back to its page of
    them; `position` is its 1-based place (None when it is no longer among them)."""

    previous: str | None
    next: str | None
    back: str
    position: int | None
    total: int


def detail_link(posting_id: int, filters: Filters, at: int) -> str:
    """The page of a posting at place `at` (0-based) of the results `filters` give."""
    return f"/postings/{posting_id}?{filters.query(at=at)}"


async def neighbours(
    workspace: Workspace, filters: Filters, posting_id: int, at: int | None
) -> Neighbours:
    """Where the posting stands in the results of `filters`, as the link gave it (`at`).

    A posting that has left them (its status changed, say) keeps the links around its
    old place: the next is the one that took it.
    """
    back = f"/results?{filters.query(page=(at or 0) // RESULTS_PAGE_SIZE + 1)}"
    if at is None:
        return Neighbours(None, None, back, None, 0)
    start = max(at - 1, 0)
    try:
        page = await workspace.rank(
            filters.keywords,
            filters.location or None,
            3,
            start,
            filters.statuses(),
            filters.sort,
            filters.postings(),
            run_id=filters.run or None,
        )
    except (InvalidInputError, NotFoundError):
        return Neighbours(None, None, back, None, 0)
    ids = [item.posting.id for item in page.items]
    if posting_id in ids:
        here = start + ids.index(posting_id)
        before = ids[: here - start]
        after = ids[here - start + 1 :]
        position: int | None = here + 1
    else:
        here = at
        before = ids[: at - start]
        after = ids[at - start :]
        position = None
    return Neighbours(
        previous=detail_link(before[-1], filters, here - 1) if before else None,
        next=detail_link(after[0], filters, here + (1 if position else 0)) if after else None,
        back=back,
        position=position,
        total=page.total,
    )
