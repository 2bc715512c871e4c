"""Builds the `JobSource` a spec names, pointed at the configured base URLs."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path

from dreamjobsearch.sources.arbeitnow import ArbeitnowSource
from dreamjobsearch.sources.ashby import AshbySource
from dreamjobsearch.sources.base import JobSource
from dreamjobsearch.sources.files import FileSource, kind_of, parse_document, resolve_data_file
from dreamjobsearch.sources.greenhouse import GreenhouseSource
from dreamjobsearch.sources.http import HttpSession
from dreamjobsearch.sources.lever import LeverSource
from dreamjobsearch.sources.linkedin import LinkedInSource
from dreamjobsearch.sources.specs import (
    ArbeitnowSourceSpec,
    AshbySourceSpec,
    FileSourceSpec,
    GreenhouseSourceSpec,
    LeverSourceSpec,
    LinkedInSourceSpec,
    SourceSpec,
)


@dataclass(frozen=True, slots=True)
class BaseUrls:
    """Where each board lives (the real hosts by default; tests point them at 127.0.0.1)."""

    linkedin: str
    greenhouse: str
    lever: str
    ashby: str
    arbeitnow: str


class SourceRegistry:
    """Checks specs up front (so a bad one is a 400, not a failed run) and builds sources."""

    def __init__(self, data_dir: Path, urls: BaseUrls) -> None:
        self._data_dir = data_dir
        self._urls = urls

    def check(self, spec: SourceSpec) -> None:
        """Raise `InvalidInputError` when the spec cannot work (e.g. a path outside DATA_DIR)."""
        if isinstance(spec, FileSourceSpec):
            resolve_data_file(self._data_dir, spec.path)

    async def build(self, spec: SourceSpec, http: HttpSession) -> JobSource:
        """The source for a spec, ready to search, making its requests through `http`."""
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
        return await self._file(spec)

    async def _file(self, spec: FileSourceSpec) -> FileSource:
        path = resolve_data_file(self._data_dir, spec.path)
        data = await asyncio.to_thread(path.read_bytes)
        parsed = await asyncio.to_thread(parse_document, data, kind_of(path))
        return FileSource(path, parsed)
