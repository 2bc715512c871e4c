"""Alerts: after a saved search's run, the postings new to the user that match its keywords
(at least its `min_score` of them) become alerts the user reads in the app.

A saved search without keywords alerts on every new posting (in its `location`, if set):
"tell me about new Python jobs in Berlin" needs no keyword list.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from dreamjobsearch.domain.ranking import location_matches, matched_keywords
from dreamjobsearch.mail.smtp import MailError, SmtpMailer
from dreamjobsearch.params.saved_searches import SavedSearchSpec
from dreamjobsearch.saved_searches.digest import MAX_LISTED, DigestLinks, compose_digest
from dreamjobsearch.saved_searches.unsubscribe import UnsubscribeLinks
from dreamjobsearch.storage.alerts import AlertRepository, NewMatch
from dreamjobsearch.storage.models import utcnow
from dreamjobsearch.storage.postings import PostingRepository
from dreamjobsearch.storage.runs import RunRepository
from dreamjobsearch.storage.saved_searches import SavedSearchRepository
from dreamjobsearch.storage.users import UserRepository

logger = logging.getLogger(__name__)

# A run stores at most searches x max_jobs_per_search postings; beyond this many, the newest
# alert and the rest are still in the results.
MAX_ALERTS_PER_RUN = 1000


@dataclass(frozen=True, slots=True)
class DigestMail:
    """What sending digests takes: the mailer, the signed unsubscribe links, and the
    address of the app's alerts page."""

    mailer: SmtpMailer
    unsubscribe: UnsubscribeLinks
    alerts_url: str


class AlertMaker:
    """Turns a saved search's run into alerts (`record`), and once it has finished into an
    email digest (`mail`) when the search asks for one and mail is configured (`digest` is
    None otherwise)."""

    def __init__(
        self,
        runs: RunRepository,
        searches: SavedSearchRepository,
        postings: PostingRepository,
        alerts: AlertRepository,
        users: UserRepository,
        digest: DigestMail | None,
    ) -> None:
        self._runs = runs
        self._searches = searches
        self._postings = postings
        self._alerts = alerts
        self._users = users
        self._digest = digest

    async def record(self, run_id: str, user_id: int) -> int:
        """Record the new matches of a run that is succeeding (called just before it is
        marked so, so its alerts are there when anyone sees it finished); how many alerts
        are new. Nothing for a run started by hand or whose search was deleted."""
        run = await self._runs.get(user_id, run_id)
        if run is None or run.saved_search_id is None or run.started_at is None:
            return 0
        search = await self._searches.get(user_id, run.saved_search_id)
        if search is None:
            return 0
        spec = SavedSearchSpec.model_validate(search.spec)
        found = await self._postings.found_between(
            user_id, run.started_at, utcnow(), MAX_ALERTS_PER_RUN
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

    async def mail(self, run_id: str, user_id: int) -> None:
        """Send the digest of a finished run's alerts, when its saved search asks for one
        and mail is configured; after the mailer's last failed attempt, the run says why.
        Called once the run is recorded finished: mail may take a while to go."""
        if self._digest is None:
            return
        run = await self._runs.get(user_id, run_id)
        if run is None or run.saved_search_id is None or run.status != "succeeded":
            return
        search = await self._searches.get(user_id, run.saved_search_id)
        if search is None:
            return
        spec = SavedSearchSpec.model_validate(search.spec)
        count = await self._alerts.count_for_run(user_id, run_id)
        if not spec.email or not count:
            return
        to = await self._users.active_email(user_id)
        if to is None:
            return  # the account was disabled or deleted meanwhile
        listed = (await self._alerts.page(user_id, MAX_LISTED, run_id)).alerts
        links = DigestLinks(
            self._digest.alerts_url, self._digest.unsubscribe.url(user_id, search.id)
        )
        message = compose_digest(to, spec.name, count, listed, links)
        try:
            await self._digest.mailer.send(message)
        except MailError as error:
            await self._runs.record_digest_error(run_id, error.message)
        else:
            logger.info("run %s: digest of %d alerts sent", run_id, count)


def _match(spec: SavedSearchSpec, posting_id: int, title: str, description: str) -> NewMatch | None:
    if not spec.keywords:
        return NewMatch(posting_id, 0, ())
    matched = matched_keywords(spec.keywords, title, description)
    if len(matched) < spec.min_score:
        return None
    return NewMatch(posting_id, len(matched), matched)
