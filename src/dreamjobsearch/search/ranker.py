"""Ranking a user's postings at scale: the database finds keywords, bitmaps do the rest.

Per ranking: one read of the user's tracking row (postings version, blocked companies, last
visit); the user's in-memory index, updated only when that version moved (only the links
added since are read, searched and put in their places), or, in a process that holds none, the
one some process stored (`snapshots.py`); for each keyword not seen since, one phrase
query to the search index; the statuses the user has set (read meanwhile). Then
scores, filters and the page come from set operations over the index (`selection.py`), and
only the page's postings are read in full. Without keywords every posting the filters keep
is a result, in the index's own order (newest first). No description is read by our code, except for
the rare postings and keywords the search index cannot answer exactly.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from itertools import chain
from typing import Any, TypeVar

import numpy as np

from dreamjobsearch.domain.ranking import RankedPosting, matched_keywords
from dreamjobsearch.domain.tracking import STATUSES, Status, company_key
from dreamjobsearch.search.cache import RankingCache
from dreamjobsearch.search.index import RankingIndex
from dreamjobsearch.search.request import RankRequest
from dreamjobsearch.search.selection import Selection, select_page
from dreamjobsearch.search.snapshots import SNAPSHOT_MIN_POSTINGS, IndexSnapshots
from dreamjobsearch.storage.db import Database
from dreamjobsearch.storage.ranking_snapshots import RankingSnapshotRepository
from dreamjobsearch.storage.search_index import (
    IdArray,
    PostingText,
    RankingOrder,
    SearchIndexRepository,
    id_array,
)
from dreamjobsearch.storage.search_terms import (
    KeywordTokens,
    fold,
    keyword_tokens,
    needs_regex,
)
from dreamjobsearch.storage.tracking import TrackingRepository, TrackingState

logger = logging.getLogger(__name__)

# Up to this many links added since the held index, it is extended, not built again.
MOST_ADDED = 1000
NO_IDS = id_array("")
T = TypeVar("T")
U = TypeVar("U")


@dataclass(frozen=True, slots=True)
class StatusFilter:
    """Postings a status filter keeps (`keep`, None: all) and drops."""

    keep: Sequence[int] | None
    drop: Sequence[int]


@dataclass(frozen=True, slots=True)
class RankPage:
    """One page of results and how many there are in all."""

    total: int
    items: list[RankedPosting]


def build_ranker(
    db: Database,
    tracking: TrackingRepository,
    cache: RankingCache | None = None,
    snapshot_min_postings: int = SNAPSHOT_MIN_POSTINGS,
) -> Ranker:
    """A ranker over `db` reading users' statuses through `tracking`, with its own cache
    (whose slots the workspace pool fills) unless one is given, storing the indexes of at
    least `snapshot_min_postings` postings."""
    search = SearchIndexRepository(db)
    snapshots = IndexSnapshots(RankingSnapshotRepository(db), search, snapshot_min_postings)
    return Ranker(search, tracking, cache or RankingCache(), snapshots)


class Ranker:
    """Ranks one user's postings by keywords, with their filters; shared by all users."""

    def __init__(
        self,
        search: SearchIndexRepository,
        tracking: TrackingRepository,
        cache: RankingCache,
        snapshots: IndexSnapshots,
    ) -> None:
        self._search = search
        self._tracking = tracking
        self._cache = cache
        self._snapshots = snapshots

    async def rank(
        self, user_id: int, request: RankRequest, state: TrackingState | None = None
    ) -> RankPage:
        """The user's postings matching `request`: the total and the page asked for.

        `state`: the user's tracking row as the caller just read it (read here if not).
        """
        try:
            return await self._rank(user_id, request, state)
        finally:
            # What this ranking built is stored once it is done, so as not to slow it.
            self._snapshots.release(user_id)
            self._cache.settled(user_id)

    async def _rank(
        self, user_id: int, request: RankRequest, state: TrackingState | None
    ) -> RankPage:
        if state is None:
            state = await self._tracking.state(user_id)
        # The statuses do not need the index: read while it is found (or built).
        found = asyncio.ensure_future(
            self._index(user_id, state.postings_version, request.keywords)
        )
        by_status = asyncio.ensure_future(self._status_filter(user_id, request.statuses))
        await _all([found, by_status])
        index = found.result()
        keyword_sets = await self._keyword_sets(user_id, index, request.keywords)
        blocked = frozenset(company_key(name) for name in state.blocked_companies)
        await self._load_filters(user_id, index, request, bool(blocked))
        recent = (
            None
            if request.posted_after is None
            else await self._search.ids_posted_after(user_id, request.posted_after)
        )
        selection = await asyncio.to_thread(
            _select, index, keyword_sets, by_status.result(), blocked, recent, request
        )
        return await self._page(user_id, index, selection, request, state.last_seen_at)

    @property
    def cache(self) -> RankingCache:
        """The indexes this process holds (for the users whose workspaces it keeps)."""
        return self._cache

    async def warm_up(self, user_id: int) -> None:
        """`prepare` when nobody waits for it (after a login, an update run or an import):
        a failure is logged, never raised (the first ranking then does the work itself)."""
        try:
            await self.prepare(user_id)
        except Exception:
            logger.warning("could not prepare the rankings of user %s", user_id, exc_info=True)

    async def prepare(self, user_id: int) -> None:
        """Build the user's index and their saved keywords' sets now, so that their next
        ranking finds them ready, or waits for this same build."""
        try:
            state = await self._tracking.state(user_id)
            index = await self._index(user_id, state.postings_version, state.keywords)
            if state.keywords:
                await self._keyword_sets(user_id, index, state.keywords)
        finally:
            self._snapshots.release(user_id)
            self._cache.settled(user_id)

    async def aclose(self) -> None:
        """Finish the builds in progress and store the indexes and sets built so far
        (before the database closes)."""
        await self._cache.wait()
        await self._snapshots.wait()

    async def _index(self, user_id: int, version: int, keywords: Sequence[str]) -> RankingIndex:
        """The user's index at `version`: the one held, or built (once for all callers);
        a new one comes with the sets of the `keywords` of the call that built it."""
        return await self._cache.get(
            user_id, version, lambda: self._build(user_id, version, keywords)
        )

    async def _build(self, user_id: int, version: int, keywords: Sequence[str]) -> RankingIndex:
        keys = [_keyword_key(keyword) for keyword in keywords]
        previous = self._cache.held(user_id)
        if previous is None:
            # Another process (or this one, before a restart) may have stored one.
            previous = await self._snapshots.load(user_id, keys)
        if previous is not None and previous.version >= version:
            # Not older than asked for (a newer one holds postings stored meanwhile).
            return previous
        # Postings stored before the search index existed get into it first.
        await self._search.index_pending()
        if previous is not None and previous.version < version:
            # Links are only ever added: usually the held index needs just the new ones.
            added = await self._search.links_since(user_id, previous.version, MOST_ADDED)
            placed = None if added is None else await asyncio.to_thread(previous.with_added, added)
            if placed is not None:
                extended = await self._extend(user_id, version, previous, *placed)
                self._snapshots.save_index(user_id, extended)
                return extended
            order = await self._search.ranking_order(user_id)
            index = await self._new_index(user_id, version, order, keywords, {})
        else:
            # An index built from nothing knows no keyword: the search index is asked for
            # them meanwhile (on its own connection), not after.
            order, found = await _both(
                self._search.ranking_order(user_id), self._matching(user_id, keys)
            )
            index = await self._new_index(user_id, version, order, keywords, found)
        self._snapshots.save_index(user_id, index)
        return index

    async def _new_index(
        self,
        user_id: int,
        version: int,
        order: RankingOrder,
        keywords: Sequence[str],
        found: Mapping[KeywordTokens, IdArray],
    ) -> RankingIndex:
        """The index of `order`, holding the sets of those `keywords` whose matches were
        `found` already."""
        inexact = await self._search.inexact_texts(user_id)
        index = await asyncio.to_thread(RankingIndex.build, version, order, inexact)
        known = [
            (keyword, key)
            for keyword in keywords
            if isinstance(key := _keyword_key(keyword), KeywordTokens) and key in found
        ]
        bitmaps = await _found_sets(index, known, found)
        for (_keyword, key), bitmap in zip(known, bitmaps, strict=True):
            index.remember_keyword_set(key, bitmap)
        return index

    async def _extend(
        self,
        user_id: int,
        version: int,
        previous: RankingIndex,
        order: RankingOrder,
        places: IdArray,
    ) -> RankingIndex:
        """`previous` with the postings of `order` it does not hold (`places` are where
        its own stand): only the new ones are read and searched."""
        added = np.delete(order.ids, places).tolist()
        # Kept keyword sets get the added postings each matches; with inexact ones among
        # them (rare, PostgreSQL) the sets are dropped and computed again when used.
        keywords = previous.indexed_keywords()
        inexact, found = await asyncio.gather(
            self._search.inexact_texts(user_id, added),
            self._search.matching_among(keywords, added),
        )
        matched = {} if inexact else dict(zip(keywords, found, strict=True))
        return await asyncio.to_thread(previous.extended, version, order, places, matched, inexact)

    async def _matching(
        self, user_id: int, keys: Iterable[Hashable]
    ) -> dict[KeywordTokens, IdArray]:
        """The ids the search index finds for each of the keyword `keys` it can answer
        (see `_keyword_key`), all in one statement."""
        tokens = list(dict.fromkeys(key for key in keys if isinstance(key, KeywordTokens)))
        return dict(zip(tokens, await self._search.matching(user_id, tokens), strict=True))

    async def _load_filters(
        self, user_id: int, index: RankingIndex, request: RankRequest, companies: bool
    ) -> None:
        """Read locations (also what the remote filter reads), companies and who states a
        salary on their first use by a ranking with this index."""
        locations = bool(request.location) or request.filters.remote
        if request.filters.has_salary and index.salaried is None:
            found = await self._search.ids_with_salary(user_id)
            index.salaried = await asyncio.to_thread(index.positions_of, found)
        if locations and index.locations is None:
            rows = await self._search.ids_by(user_id, "location")
            index.locations = await asyncio.to_thread(index.by_value, rows, str.casefold)
        if companies and index.companies is None:
            rows = await self._search.ids_by(user_id, "company")
            index.companies = await asyncio.to_thread(index.by_value, rows, company_key)

    async def _status_filter(self, user_id: int, statuses: frozenset[Status]) -> StatusFilter:
        """Which postings the statuses keep, asking only about the few not `new`: either
        the postings with a hidden status, or those with a shown one."""
        hidden = frozenset(STATUSES) - statuses
        if not hidden:
            return StatusFilter(keep=None, drop=())
        if "new" in statuses:
            return StatusFilter(keep=None, drop=await self._tracking.with_statuses(user_id, hidden))
        return StatusFilter(keep=await self._tracking.with_statuses(user_id, statuses), drop=())

    async def _keyword_sets(
        self, user_id: int, index: RankingIndex, keywords: Sequence[str]
    ) -> list[int]:
        """The postings matching each keyword: kept ones, the rest asked for all at once
        (and stored with the index)."""
        keys = [_keyword_key(keyword) for keyword in keywords]
        sets = {number: index.keyword_set(key) for number, key in enumerate(keys)}
        missing = [number for number, known in sets.items() if known is None]
        indexed = {
            number: key for number in missing if isinstance(key := keys[number], KeywordTokens)
        }
        by_rule = [number for number in missing if number not in indexed]
        computed: dict[int, int] = {}
        if indexed:
            found = await self._matching(user_id, indexed.values())
            asked = [(keywords[number], key) for number, key in indexed.items()]
            computed.update(zip(indexed, await _found_sets(index, asked, found), strict=True))
        if by_rule:
            # Keywords the index cannot answer exactly (see search_terms.needs_regex): rare.
            texts = await self._search.texts(user_id)
            for number in by_rule:
                computed[number] = await asyncio.to_thread(
                    _matching_texts, index, keywords[number], texts
                )
        for number, bitmap in computed.items():
            index.remember_keyword_set(keys[number], bitmap)
        self._snapshots.save_keyword_sets(
            user_id, index, {keys[number]: bitmap for number, bitmap in computed.items()}
        )
        return [computed[number] if known is None else known for number, known in sets.items()]

    async def _page(
        self,
        user_id: int,
        index: RankingIndex,
        selection: Selection,
        request: RankRequest,
        last_seen_at: datetime | None,
    ) -> RankPage:
        picked = [int(index.ids[pick.position]) for pick in selection.picks]
        boards = [index.group_of(pick.position) for pick in selection.picks]
        # A page shows descriptions (snippets); a whole-view export does not need them.
        found = await self._tracking.postings(
            user_id,
            chain(picked, chain.from_iterable(boards)),
            with_description=request.limit is not None,
        )
        items = []
        for pick, posting_id, group in zip(selection.picks, picked, boards, strict=True):
            tracked = found.get(posting_id)
            if tracked is None:
                continue
            items.append(
                RankedPosting(
                    posting=tracked.posting,
                    score=pick.score,
                    matched_keywords=tuple(request.keywords[number] for number in pick.matched),
                    group_links=tuple(
                        (found[member].posting.source, found[member].posting.link)
                        for member in group
                        if member in found
                    ),
                    status=tracked.status,
                    note=tracked.note,
                    is_new=last_seen_at is None or tracked.posting.found_at > last_seen_at,
                )
            )
        return RankPage(total=selection.total, items=items)


async def _both(first: Awaitable[T], second: Awaitable[U]) -> tuple[T, U]:
    """Both results, computed at once (see `_all` on errors)."""
    jobs = (asyncio.ensure_future(first), asyncio.ensure_future(second))
    await _all(jobs)
    return jobs[0].result(), jobs[1].result()


async def _all(jobs: Sequence[asyncio.Future[Any]]) -> None:
    """Wait for every job; when one fails, the others are cancelled and its error is
    raised as it is (not in an ExceptionGroup: the API answers a database error with a
    503 by its type)."""
    try:
        await asyncio.gather(*jobs)
    except BaseException:
        for job in jobs:
            job.cancel()
        await asyncio.gather(*jobs, return_exceptions=True)
        raise


def _keyword_key(keyword: str) -> Hashable:
    """What a keyword's postings are kept under: its index tokens, or its folded text when
    the index cannot answer it (either way, spellings that match alike share one set)."""
    return ("regex", fold(keyword)) if needs_regex(keyword) else keyword_tokens(keyword)


def _matching_texts(
    index: RankingIndex,
    keyword: str,
    texts: Sequence[PostingText],
    indexed_ids: IdArray = NO_IDS,
) -> int:
    """The postings among `indexed_ids`, plus those of `texts` the rule itself matches."""
    by_rule = [
        posting.posting_id
        for posting in texts
        if matched_keywords([keyword], posting.title, posting.description)
    ]
    return index.of_ids(np.concatenate([indexed_ids, np.asarray(by_rule, dtype=np.int64)]))


async def _found_sets(
    index: RankingIndex,
    keywords: Sequence[tuple[str, KeywordTokens]],
    found: Mapping[KeywordTokens, IdArray],
) -> list[int]:
    """The set of each `(keyword, key)`: the ids the search index `found` for the key, with
    those of the index's inexact postings that the rule matches (CPU work, in a thread)."""
    return await asyncio.to_thread(
        lambda: [
            _matching_texts(index, keyword, index.inexact, found[key]) for keyword, key in keywords
        ]
    )


def _select(
    index: RankingIndex,
    keyword_sets: Sequence[int],
    by_status: StatusFilter,
    blocked: frozenset[str],
    recent: IdArray | None,
    request: RankRequest,
) -> Selection:
    allowed = index.everything
    if by_status.keep is not None:
        allowed &= index.of_ids(by_status.keep)
    if by_status.drop:
        allowed &= ~index.of_ids(by_status.drop)
    if blocked:
        allowed &= ~index.of_companies(blocked)
    if request.location:
        allowed &= index.located(request.location)
    if request.filters.remote:
        allowed &= index.remote()
    if request.filters.has_salary:
        allowed &= index.with_salary()
    if recent is not None:
        allowed &= index.of_ids(recent)
    if request.only is not None:
        allowed &= index.of_ids(np.array(sorted(request.only), dtype=np.int64))
    return select_page(index, keyword_sets, allowed, request.sort, request.offset, request.limit)
