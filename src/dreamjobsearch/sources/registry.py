"""Builds the `JobSource` a spec names, pointed at the configured base URLs."""

from __future__ import annotations

from collections.abc import Mapping

from dreamjobsearch.sources.base import JobSource
from dreamjobsearch.sources.catalog import SOURCES, SourceSpec
from dreamjobsearch.sources.http import RunHttp
from dreamjobsearch.sources.kinds import BuildContext
from dreamjobsearch.storage.user_files import UserFiles


class SourceRegistry:
    """Checks specs up front (so a bad one is a 400, not a failed run) and builds sources.

    Both take the id of the user the run is for: a `file` source reads that user's own file
    area and no other. `urls` holds each board's base URL by source name
    (`catalog.base_urls`).
    """

    def __init__(self, files: UserFiles, urls: Mapping[str, str]) -> None:
        self._files = files
        self._urls = dict(urls)

    async def check(self, spec: SourceSpec, user_id: int) -> None:
        """Raise `InvalidInputError` when the spec cannot work (e.g. the user has no such file)."""
        check = SOURCES[spec.type].check
        if check is not None:
            await check(spec, self._files, user_id)

    async def build(self, spec: SourceSpec, http: RunHttp, user_id: int) -> JobSource:
        """The source for a spec and user, ready to search, making requests through `http`."""
        context = BuildContext(http, self._urls.get(spec.type, ""), self._files, user_id)
        return await SOURCES[spec.type].build(spec, context)
