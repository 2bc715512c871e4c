"""The `file` source: postings from one of the user's own files (`/me/files`).

The parsing is `files.py`'s, shared with imports; this module names the source in requests
and builds it from the user's file area, never another user's.
"""

from __future__ import annotations

import asyncio
from typing import Literal

from pydantic import Field

from dreamjobsearch.domain.file_names import FILE_NAME_PATTERN, MAX_NAME_LENGTH
from dreamjobsearch.errors import InvalidInputError
from dreamjobsearch.sources.files import FileSource, load_file_source
from dreamjobsearch.sources.kinds import BaseSourceSpec, BuildContext, SourceKind
from dreamjobsearch.storage.user_files import UserFiles


class FileSourceSpec(BaseSourceSpec):
    """A JSON, JSON Lines or CSV file of postings among the user's own files (`/me/files`)."""

    type: Literal["file"]
    path: str = Field(
        min_length=1,
        max_length=MAX_NAME_LENGTH,
        pattern=FILE_NAME_PATTERN,
        description="the name of one of your files, as uploaded with PUT /me/files/{name}",
    )
    title = "File"

    @classmethod
    def short_form(cls) -> str:
        """`file:FILE`, one of the user's files."""
        return "file:FILE"

    @classmethod
    def fields_from_name(cls, name: str) -> dict[str, str]:
        """`file:postings.json` names the file `postings.json`."""
        if not name:
            raise InvalidInputError(f"name the file: {cls.short_form()}")
        return {"type": "file", "path": name}

    def label(self) -> str:
        """`file:<path>`."""
        return f"file:{self.path}"

    def display_name(self) -> str:
        """`your file postings.json`."""
        return f"your file {self.path}"


async def _check(spec: FileSourceSpec, files: UserFiles, user_id: int) -> None:
    names = {info.name for info in await files.list_for_user(user_id)}
    if spec.path not in names:
        raise InvalidInputError(f"file {spec.path} not found")


async def _build(spec: FileSourceSpec, context: BuildContext) -> FileSource:
    data = await context.files.read(context.user_id, spec.path)
    return await asyncio.to_thread(load_file_source, spec.path, data)


KIND = SourceKind(spec=FileSourceSpec, build=_build, check=_check)
