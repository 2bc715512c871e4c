"""How sources that return a whole board decide which postings fit a search."""

from __future__ import annotations

from datetime import datetime

from dreamjobsearch.domain.ranking import keyword_pattern, location_matches


def matches_query(query: str, *texts: str) -> bool:
    """Whether every word of `query` occurs, as a whole word, in one of `texts` (any case)."""
    return all(any(keyword_pattern(word).search(text) for text in texts) for word in query.split())


def matches_search(
    query: str,
    location: str,
    since: datetime | None,
    *,
    title: str,
    posting_location: str,
    posted_at: datetime | None,
) -> bool:
    """A company board's local filter: query words in the title, location, publish date.

    A posting without a date is kept when `since` is given: we cannot tell it is old.
    """
    if not matches_query(query, title):
        return False
    if not location_matches(location, posting_location):
        return False
    return since is None or posted_at is None or posted_at >= since
