"""Starting an update run, whoever asks: a user from the API, the pages or the CLI, or the
scheduler for a saved search. One place checks the limits, so none of them can skip one."""

from __future__ import annotations

import uuid

from dreamjobsearch.errors import TooLargeError, TooManyRequestsError
from dreamjobsearch.params.update import UpdateParams
from dreamjobsearch.runs.base import Runner
from dreamjobsearch.sources.catalog import DEFAULT_SOURCES, SOURCE_SPEC, SourceSpec
from dreamjobsearch.sources.registry import SourceRegistry
from dreamjobsearch.storage.models import Run
from dreamjobsearch.storage.runs import RunRepository


class RunStarter:
    """Records a run and hands it to the runner, within the user's limits: at most
    `max_active_runs` queued or running (429 beyond) and `max_searches` searches a run
    (422 beyond); a missing `file` source is refused before anything is recorded."""

    def __init__(
        self,
        runs: RunRepository,
        runner: Runner,
        sources: SourceRegistry,
        max_active_runs: int,
        max_searches: int,
    ) -> None:
        self._runs = runs
        self._runner = runner
        self._sources = sources
        self.max_active_runs = max_active_runs
        self.max_searches = max_searches

    async def start(
        self, user_id: int, params: UpdateParams, saved_search_id: int | None = None
    ) -> Run:
        """Record the run (queued) and submit it; it proceeds in the background."""
        active = await self._runs.count_active(user_id)
        if active >= self.max_active_runs:
            raise TooManyRequestsError(
                f"you already have {active} runs in progress (at most {self.max_active_runs}): "
                "wait for one to finish or cancel it"
            )
        specs = sources_for(params)
        searches = len(params.queries) * len(params.locations) * len(specs)
        if searches > self.max_searches:
            # One run must not hold a slot (and the boards) for hours.
            raise TooLargeError(
                f"this run would make {searches} searches (queries x locations x sources), "
                f"more than the {self.max_searches} allowed: split it into smaller runs"
            )
        for spec in specs:
            await self._sources.check(spec, user_id)
        params = params.model_copy(update={"sources": specs})
        run_id = uuid.uuid4().hex
        run = await self._runs.create(
            run_id, user_id, params.model_dump(mode="json"), saved_search_id
        )
        await self._runner.submit(run_id, user_id, params)
        return run


def sources_for(params: UpdateParams) -> list[SourceSpec]:
    """The sources a run searches: those asked for, or the default boards."""
    if params.sources:
        return list(params.sources)
    return [SOURCE_SPEC.validate_python(spec) for spec in DEFAULT_SOURCES]
