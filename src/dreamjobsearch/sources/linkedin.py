"""LinkedIn's public guest job search and job pages, over plain HTTP.

The search asks the guest API behind LinkedIn's public job search
(`/jobs-guest/jobs/api/seeMoreJobPostings/search`). It answers an HTML fragment of `<li>`
cards, about ten a page, paged by the `start` offset; past the end it answers an empty body.
A job's public page (`/jobs/view/<id>/`) holds the details; the guest API's posting fragment
(`/jobs-guest/jobs/api/jobPosting/<id>`) holds the same ones in the same markup, except that
its title is an `h2`. Both are parsed with selectolax. A page without its description is
not a posting to keep: LinkedIn sends one at times, and storing it would keep the job out of
every later run with its text missing.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Literal

from selectolax.lexbor import LexborHTMLParser, LexborNode, SelectolaxError

from dreamjobsearch.domain.postings import JobLink, JobPosting
from dreamjobsearch.sources.http import FetchError, MalformedResponseError, RunHttp
from dreamjobsearch.sources.identity import linkedin_job_id
from dreamjobsearch.sources.kinds import BaseSourceSpec, SourceKind, one_site
from dreamjobsearch.sources.text import html_to_text, plain_text

SOURCE = "linkedin"
SEARCH_PATH = "/jobs-guest/jobs/api/seeMoreJobPostings/search"
MAX_START = 1000  # the guest search serves nothing from this offset on
CARD_MARKERS = (".base-search-card", ".job-search-card", "[data-entity-urn]")
# Where a card keeps its job id, most reliable first: the URN, then the card's link.
CARD_ID_PLACES = (
    ("[data-entity-urn]", "data-entity-urn"),
    ("a.base-card__full-link", "href"),
    ("a.base-card", "href"),
)
# `/jobs/view/<id>` pages title the job with an `h1`, the guest API's fragments with an `h2`.
TITLE = ("h1.top-card-layout__title", "h2.top-card-layout__title", ".top-card-layout h1")
COMPANY = ("a.topcard__org-name-link", "span.topcard__flavor:not(.topcard__flavor--bullet)")
LOCATION = ("span.topcard__flavor--bullet:not(.num-applicants__caption)",)
POSTED = ("span.posted-time-ago__text",)
SALARY = (".compensation__salary",)
DESCRIPTION = "div.show-more-less-html__markup"
CRITERIA_ITEM = "li.description__job-criteria-item"
CRITERIA_LABEL = ("h3.description__job-criteria-subheader",)
CRITERIA_VALUE = ("span.description__job-criteria-text",)
TIME_AGO = re.compile(
    r"\b(\d{1,3})\+?\s*(second|minute|hour|day|week|month|year)s?\s+ago\b", re.IGNORECASE
)
UNIT_SECONDS = {
    "second": 1,
    "minute": 60,
    "hour": 3600,
    "day": 86_400,
    "week": 7 * 86_400,
    "month": 30 * 86_400,
    "year": 365 * 86_400,
}


class IncompletePageError(FetchError):
    """A job page arrived without its description: nothing of it is stored, so a later run
    fetches it again rather than taking it for a job already known."""

    def __init__(self, url: str) -> None:
        super().__init__(
            "sent the job page without its description; it was not kept, "
            "and a later run fetches it again",
            detail=f"{url}: the job page has no description markup",
        )


class LinkedInSource:
    """LinkedIn jobs: the guest search for links, the public job page for each posting.

    `problems` lists search cards skipped because they carry no job id.
    """

    name = "linkedin"
    # The server asks LinkedIn itself: its postings may be shared with every user.
    server_fetched = True

    def __init__(self, http: RunHttp, base_url: str) -> None:
        self._http = http
        self._base_url = base_url.rstrip("/")
        self._search_url = self._base_url + SEARCH_PATH
        self.problems: list[str] = []

    async def search(
        self, query: str, location: str, since: datetime | None, limit: int
    ) -> AsyncIterator[JobLink]:
        """Yield links to jobs (each id once, at most `limit`), page after page.

        Stops at an empty page, a page with nothing new, offset 1000 or `limit` links.
        """
        recency = _recency(since, datetime.now(UTC))
        seen: set[str] = set()
        start = 0
        while len(seen) < limit and start < MAX_START:
            params = _search_params(query, location, recency, start)
            page = await self._http.get_text(self._search_url, params)
            ids = _card_ids(page, self._search_url)
            self._note_cards_without_id(ids, start)
            fresh = list(dict.fromkeys(i for i in ids if i is not None and i not in seen))
            if not fresh:
                return
            for job_id in fresh[: limit - len(seen)]:
                seen.add(job_id)
                yield _job_link(self._base_url, job_id)
            start += len(ids)

    async def fetch(self, link: JobLink) -> JobPosting:
        """The posting on the job's public page."""
        page = await self._http.get_text(link.url)
        return parse_posting_page(page, link)

    def _note_cards_without_id(self, ids: list[str | None], start: int) -> None:
        skipped = ids.count(None)
        if skipped:
            self.problems.append(
                f"{skipped} job card(s) without a job id on the search page from {start}"
            )


def parse_search_page(html: str, base_url: str) -> list[JobLink]:
    """The links of a guest-search page's cards, in page order, leaving out cards without an id."""
    base = base_url.rstrip("/")
    ids = _card_ids(html, base + SEARCH_PATH)
    return [_job_link(base, job_id) for job_id in ids if job_id is not None]


def parse_posting_page(html: str, link: JobLink) -> JobPosting:
    """The posting on a public job page or a guest API posting fragment.

    `MalformedResponseError` when it has no job title, `IncompletePageError` when it has no
    description.
    """
    try:
        return _posting(LexborHTMLParser(html), link)
    except SelectolaxError as error:
        raise MalformedResponseError(f"{link.url}: the job page cannot be parsed") from error


def parse_time_ago(text: str, now: datetime) -> datetime | None:
    """When "3 days ago", "30+ days ago", "Reposted 1 hour ago"... was, from `now`; else None."""
    match = TIME_AGO.search(text)
    if match is None:
        return None
    seconds = int(match.group(1)) * UNIT_SECONDS[match.group(2).lower()]
    return now - timedelta(seconds=seconds)


def _recency(since: datetime | None, now: datetime) -> str | None:
    """The `f_TPR` filter, `r<seconds>`: postings newer than `since` (naive means UTC)."""
    if since is None:
        return None
    if since.tzinfo is None:
        since = since.replace(tzinfo=UTC)
    return f"r{max(1, int((now - since).total_seconds()))}"


def _search_params(
    query: str, location: str, recency: str | None, start: int
) -> dict[str, str | int]:
    params: dict[str, str | int] = {"keywords": query.strip()}
    if location.strip():
        params["location"] = location.strip()
    if recency is not None:
        params["f_TPR"] = recency
    params["start"] = start
    return params


def _job_link(base_url: str, job_id: str) -> JobLink:
    return JobLink(source=SOURCE, external_id=job_id, url=f"{base_url}/jobs/view/{job_id}/")


def _card_ids(html: str, url: str) -> list[str | None]:
    """One entry per card of a search page: its job id, or None when it shows none."""
    try:
        items = LexborHTMLParser(html).css("li")
        return [_card_id(item) for item in items if _is_card(item)]
    except SelectolaxError as error:
        raise MalformedResponseError(f"{url}: the search page cannot be parsed") from error


def _is_card(item: LexborNode) -> bool:
    return any(item.css_first(marker) is not None for marker in CARD_MARKERS)


def _card_id(card: LexborNode) -> str | None:
    for selector, attribute in CARD_ID_PLACES:
        for node in card.css(selector):
            job_id = linkedin_job_id(node.attributes.get(attribute) or "")
            if job_id is not None:
                return job_id
    return None


def _posting(tree: LexborHTMLParser, link: JobLink) -> JobPosting:
    title = _first_text(tree, TITLE)
    if not title:
        raise MalformedResponseError(f"{link.url}: the job page has no job title")
    description = _description(tree)
    if not description:
        raise IncompletePageError(link.url)
    criteria = _criteria(tree)
    return JobPosting(
        source=SOURCE,
        external_id=link.external_id,
        link=link.url,
        title=title,
        company=_first_text(tree, COMPANY),
        location=_first_text(tree, LOCATION),
        description=description,
        posted_at=parse_time_ago(_first_text(tree, POSTED), datetime.now(UTC)),
        salary=_first_text(tree, SALARY),
        employment_type=criteria.get("employment type", ""),
        seniority_level=criteria.get("seniority level", ""),
        job_function=criteria.get("job function", ""),
        industries=criteria.get("industries", ""),
    )


def _first_text(root: LexborHTMLParser | LexborNode, selectors: tuple[str, ...]) -> str:
    """The folded text of the first non-empty node the selectors find, in their order."""
    for selector in selectors:
        node = root.css_first(selector)
        text = plain_text(node.text(deep=True)) if node is not None else ""
        if text:
            return text
    return ""


def _description(tree: LexborHTMLParser) -> str:
    node = tree.css_first(DESCRIPTION)
    return html_to_text(node.html or "") if node is not None else ""


def _criteria(tree: LexborHTMLParser) -> dict[str, str]:
    """The "Seniority level", "Employment type"... pairs, keyed by lower-case label."""
    pairs: dict[str, str] = {}
    for item in tree.css(CRITERIA_ITEM):
        label = _first_text(item, CRITERIA_LABEL).casefold()
        if label:
            pairs[label] = _first_text(item, CRITERIA_VALUE)
    return pairs


class LinkedInSourceSpec(BaseSourceSpec):
    """LinkedIn's public job search."""

    type: Literal["linkedin"]
    title = "LinkedIn"


KIND = SourceKind(
    spec=LinkedInSourceSpec,
    build=one_site(LinkedInSource),
    default_base_url="https://www.linkedin.com",
    about="Where LinkedIn is.",
    # LinkedIn answers 429, or its own 999, when it wants a client to slow down or go away.
    blocked_statuses=frozenset({429, 999}),
)
