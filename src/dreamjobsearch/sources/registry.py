"""Builds the `JobSource` a spec names, pointed at the configured base URLs."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from dreamjobsearch.domain.source_specs import (
    ArbeitnowSourceSpec,
    AshbySourceSpec,
    FileSourceSpec,
    GreenhouseSourceSpec,
    LeverSourceSpec,
    LinkedInSourceSpec,
    SourceSpec,
)
from dreamjobsearch.errors import InvalidInputError
from dreamjobsearch.sources.arbeitnow import ArbeitnowSource
from dreamjobsearch.sources.ashby import AshbySource
from dreamjobsearch.sources.base import JobSource
from dreamjobsearch.sources.files import FileSource, load_file_source
from dreamjobsearch.sources.greenhouse import GreenhouseSource
from dreamjobsearch.sources.http import RunHttp
from dreamjobsearch.sources.lever import LeverSource
from dreamjobsearch.sources.linkedin import LinkedInSource
from dreamjobsearch.storage.user_files import UserFiles


@dataclass(frozen=True, slots=True)
class BaseUrls:
    """Where each board lives (the real hosts by default; tests point them at 127.0.0.1)."""

    linkedin: str
    greenhouse: str
    lever: str
    ashby: str
    arbeitnow: str


class SourceRegistry:
    """Checks specs up front (so a bad one is a 400, not a failed run) and builds sources.

    Both take the id of the user the run is for: a `file` source reads that user's own file
    area and no other.
    """

    def __init__(self, files: UserFiles, urls: BaseUrls) -> None:
        self._files = files
        self._urls = urls

    async def check(self, spec: SourceSpec, user_id: int) -> None:
        """Raise `InvalidInputError` when the spec cannot work (e.g. the user has no such file)."""
        if isinstance(spec, FileSourceSpec):
            names = {info.name for info in await self._files.list_for_user(user_id)}
            if spec.path not in names:
                raise InvalidInputError(f"file {spec.path} not found")

    async def build(self, spec: SourceSpec, http: RunHttp, user_id: int) -> JobSource:
        """The source for a spec and user, ready to search, making requests through `http`."""
        urls = self._urls
        if isinstance(spec, LinkedInSourceSpec):
            return LinkedInSource(http, urls.linkedin)
        if isinstance(spec, GreenhouseSourceSpec):
            return GreenhouseSource(http, urls.greenhouse, spec.board)
        if isinstance(spec, LeverSourceSpec):
            return LeverSource(http, urls.lever, spec.board)
        if isinstance(spec, AshbySourceSpec):
            return AshbySource(http, urls.ashby, spec.board)
        if isinstance(spec, ArbeitnowSourceSpec):
            return ArbeitnowSource(http, urls.arbeitnow)
        return await self._file(spec, user_id)

    async def _file(self, spec: FileSourceSpec, user_id: int) -> FileSource:
        data = await self._files.read(user_id, spec.path)
        return await asyncio.to_thread(load_file_source, spec.path, data)
