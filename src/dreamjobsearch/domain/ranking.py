"""Keyword ranking: score = how many distinct keywords a posting contains.

With no keywords every posting is a result (score 0), newest first. A keyword matches as a
whole word or phrase, case-insensitively, in the title or the
description. Symbols are literal (`C++`, `C#`, `.NET`, `node.js`); a word boundary is required
only on a side of the keyword that is itself a word character, so `Java` does not match
`JavaScript` while `.NET` still matches `ASP.NET`. Words of a phrase may be separated by any
white space.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache

from dreamjobsearch.domain.filters import NO_FILTERS, PostingFilters
from dreamjobsearch.domain.postings import StoredPosting

_WORD = re.compile(r"\w")
_OLDEST = datetime.min.replace(tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class RankedPosting:
    """A posting with its score and the keywords it matched (in the caller's spelling).

    A ranking of the user's own postings also says where they are with it (`status`,
    `note`) and whether it was found after their last visit (`is_new`).
    """

    posting: StoredPosting
    score: int
    matched_keywords: tuple[str, ...]
    group_links: tuple[tuple[str, str], ...] = ()
    status: str = "new"
    note: str = ""
    is_new: bool = False

    @property
    def links(self) -> tuple[tuple[str, str], ...]:
        """`(source, link)` of every board this job was found on."""
        return self.group_links or ((self.posting.source, self.posting.link),)


def normalize_keywords(keywords: Iterable[str]) -> list[str]:
    """Trimmed keywords without blanks or case-insensitive repeats, first spelling kept."""
    seen: set[str] = set()
    result = []
    for keyword in keywords:
        cleaned = " ".join(keyword.split())
        key = cleaned.casefold()
        if cleaned and key not in seen:
            seen.add(key)
            result.append(cleaned)
    return result


@lru_cache(maxsize=4096)
def keyword_pattern(keyword: str) -> re.Pattern[str]:
    """The compiled matcher for one keyword (cached: keywords repeat across requests)."""
    body = r"\s+".join(re.escape(word) for word in keyword.split())
    before = r"(?<!\w)" if _WORD.match(keyword[0]) else ""
    # `+` and `#` continue a token (C, C++, C#), so `C` does not match inside `C++`.
    after = r"(?![\w+#])" if _WORD.match(keyword[-1]) else ""
    return re.compile(before + body + after, re.IGNORECASE)


def matched_keywords(keywords: Sequence[str], title: str, description: str) -> tuple[str, ...]:
    """The keywords found in the title or the description (a phrase does not span the two)."""
    return tuple(
        keyword
        for keyword in keywords
        if keyword_pattern(keyword).search(title) or keyword_pattern(keyword).search(description)
    )


def location_matches(wanted: str | None, location: str) -> bool:
    """Whether `wanted` occurs in `location`, ignoring case (`poland` in `Warsaw, Poland`)."""
    if not wanted or not wanted.strip():
        return True
    return wanted.strip().casefold() in location.casefold()


def rank(
    postings: Iterable[StoredPosting],
    keywords: Sequence[str],
    location: str | None = None,
    filters: PostingFilters = NO_FILTERS,
    now: datetime | None = None,
) -> list[RankedPosting]:
    """Postings with a score above zero, best first, then newest (posted, then found);
    without keywords, every posting (score 0), newest first. Only those in `location`
    that `filters` keep (days counted back from `now`, by default the present) take part.

    The same job found on several boards (one group) is one result: its best-scoring
    posting, listing the links of every posting of the group.
    """
    everything = list(postings)
    posted_after = filters.posted_after(now or datetime.now(UTC))
    ranked = []
    for posting in everything:
        if not location_matches(location, posting.location):
            continue
        if not filters.keeps(posting, posted_after):
            continue
        matched = matched_keywords(keywords, posting.title, posting.description)
        if matched or not keywords:
            ranked.append(RankedPosting(posting, len(matched), matched))
    ranked.sort(
        key=lambda item: (
            item.score,
            item.posting.posted_at or _OLDEST,
            item.posting.found_at,
            item.posting.id,
        ),
        reverse=True,
    )
    return _one_per_group(ranked, everything)


def _one_per_group(
    ranked: list[RankedPosting], everything: list[StoredPosting]
) -> list[RankedPosting]:
    groups: dict[int, list[StoredPosting]] = {}
    for posting in everything:
        groups.setdefault(posting.group_id, []).append(posting)
    if len(groups) == len(everything):
        return ranked
    seen: set[int] = set()
    results = []
    for item in ranked:
        group = item.posting.group_id
        if group in seen:
            continue
        seen.add(group)
        members = sorted(groups[group], key=lambda posting: posting.id)
        links = tuple((member.source, member.link) for member in members)
        results.append(RankedPosting(item.posting, item.score, item.matched_keywords, links))
    return results
