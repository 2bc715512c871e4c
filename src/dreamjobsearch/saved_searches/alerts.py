"""Alerts: after a saved search's run, the postings new to the user that match its keywords
(at least its `min_score` of them) become alerts the user reads in the app.

A saved search without keywords alerts on every new posting (in its `location`, if set):
"tell me about new Python jobs in Berlin" needs no keyword list.
"""

from __future__ import annotations

import logging

from dreamjobsearch.domain.ranking import location_matches, matched_keywords
from dreamjobsearch.domain.saved_searches import SavedSearchSpec
from dreamjobsearch.storage.alerts import AlertRepository, NewMatch
from dreamjobsearch.storage.postings import PostingRepository
from dreamjobsearch.storage.runs import RunRepository
from dreamjobsearch.storage.saved_searches import SavedSearchRepository

logger = logging.getLogger(__name__)

# A run stores at most searches x max_jobs_per_search postings; beyond this many, the newest
# alert and the rest are still in the results.
MAX_ALERTS_PER_RUN = 1000


class AlertMaker:
    """Turns a finished run of a saved search into alerts."""

    def __init__(
        self,
        runs: RunRepository,
        searches: SavedSearchRepository,
        postings: PostingRepository,
        alerts: AlertRepository,
    ) -> None:
        self._runs = runs
        self._searches = searches
        self._postings = postings
        self._alerts = alerts

    async def after_run(self, run_id: str, user_id: int) -> int:
        """Record the run's new matches as alerts; how many alerts are new. Nothing for a
        run started by hand, one that did not succeed, or whose search was deleted."""
        run = await self._runs.get(user_id, run_id)
        if run is None or run.saved_search_id is None or run.status != "succeeded":
            return 0
        search = await self._searches.get(user_id, run.saved_search_id)
        if search is None or run.started_at is None or run.finished_at is None:
            return 0
        spec = SavedSearchSpec.model_validate(search.spec)
        found = await self._postings.found_between(
            user_id, run.started_at, run.finished_at, MAX_ALERTS_PER_RUN
        )
        matches = [
            match
            for posting in found
            if location_matches(spec.location, posting.location)
            and (match := _match(spec, posting.id, posting.title, posting.description))
        ]
        added = await self._alerts.add(user_id, search.id, run_id, matches)
        logger.info("run %s: %d new postings, %d new alerts", run_id, len(found), added)
        return added


def _match(spec: SavedSearchSpec, posting_id: int, title: str, description: str) -> NewMatch | None:
    if not spec.keywords:
        return NewMatch(posting_id, 0, ())
    matched = matched_keywords(spec.keywords, title, description)
    if len(matched) < spec.min_score:
        return None
    return NewMatch(posting_id, len(matched), matched)
