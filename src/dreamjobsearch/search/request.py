"""What a ranking asks for, checked once for the API, the web pages and the CLI alike."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from dreamjobsearch.domain.filters import MAX_POSTED_WITHIN_DAYS, NO_FILTERS, PostingFilters
from dreamjobsearch.domain.ranking import normalize_keywords
from dreamjobsearch.domain.tracking import Status, visible_statuses
from dreamjobsearch.errors import InvalidInputError
from dreamjobsearch.search.selection import Sort
from dreamjobsearch.storage.models import utcnow

MAX_KEYWORDS = 100
MAX_KEYWORD_LENGTH = 200


@dataclass(frozen=True, slots=True)
class RankRequest:
    """Keywords (normalised; none: every posting, newest first), location filter, statuses
    shown, order, the page, and the other filters with the oldest posting date they keep
    (worked out once, when asked).

    `limit=None` asks for every result from `offset` on (exports). `only`, when given,
    limits the ranking to those posting ids (a run's new postings).
    """

    keywords: tuple[str, ...]
    location: str | None
    statuses: frozenset[Status]
    sort: Sort
    offset: int
    limit: int | None
    filters: PostingFilters = NO_FILTERS
    posted_after: datetime | None = None
    only: frozenset[int] | None = None


def check_keywords(keywords: Iterable[str]) -> list[str]:
    """Keywords normalised (`ranking.normalize_keywords`); too many or too long is refused."""
    cleaned = normalize_keywords(keywords)
    if len(cleaned) > MAX_KEYWORDS:
        raise InvalidInputError(f"at most {MAX_KEYWORDS} keywords")
    if any(len(keyword) > MAX_KEYWORD_LENGTH for keyword in cleaned):
        raise InvalidInputError(f"keywords are at most {MAX_KEYWORD_LENGTH} characters")
    return cleaned


def rank_request(
    keywords: Sequence[str],
    location: str | None = None,
    statuses: Iterable[Status] | None = None,
    sort: Sort = "score",
    offset: int = 0,
    limit: int | None = 50,
    filters: PostingFilters = NO_FILTERS,
    only: Iterable[int] | None = None,
) -> RankRequest:
    """A checked ranking request; `InvalidInputError` says what is wrong. No keywords
    asks for every posting the filters keep, newest first."""
    cleaned = check_keywords(keywords)
    if offset < 0 or (limit is not None and limit < 1):
        raise InvalidInputError("offset is 0 or more and limit 1 or more")
    days = filters.posted_within_days
    if days is not None and not 1 <= days <= MAX_POSTED_WITHIN_DAYS:
        raise InvalidInputError(f"posted within is 1 to {MAX_POSTED_WITHIN_DAYS} days")
    wanted = location.strip().casefold() if location else ""
    return RankRequest(
        keywords=tuple(cleaned),
        location=wanted or None,
        statuses=visible_statuses(statuses),
        sort=sort,
        offset=offset,
        limit=limit,
        filters=filters,
        posted_after=filters.posted_after(utcnow()),
        only=None if only is None else frozenset(only),
    )
