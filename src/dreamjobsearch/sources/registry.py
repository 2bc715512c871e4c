"""Builds the `JobSource` a spec names."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path

from dreamjobsearch.sources.base import JobSource
from dreamjobsearch.sources.files import FileSource, kind_of, parse_document, resolve_data_file
from dreamjobsearch.sources.specs import SourceSpec


@dataclass(frozen=True, slots=True)
class BuiltSource:
    """A ready source and the problems met while preparing it (e.g. rejected file rows)."""

    source: JobSource
    problems: list[str]


class SourceRegistry:
    """Checks specs up front (so a bad one is a 400, not a failed run) and builds sources."""

    def __init__(self, data_dir: Path) -> None:
        self._data_dir = data_dir

    def check(self, spec: SourceSpec) -> None:
        """Raise `InvalidInputError` when the spec cannot work (e.g. a path outside DATA_DIR)."""
        resolve_data_file(self._data_dir, spec.path)

    async def build(self, spec: SourceSpec) -> BuiltSource:
        """The source for a spec, ready to search."""
        path = resolve_data_file(self._data_dir, spec.path)
        data = await asyncio.to_thread(path.read_bytes)
        parsed = await asyncio.to_thread(parse_document, data, kind_of(path))
        problems = [f"{path.name} row {item.index}: {item.reason}" for item in parsed.rejected]
        return BuiltSource(FileSource(path, parsed), problems)
