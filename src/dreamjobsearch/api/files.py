"""The caller's own files, which their `file` sources read: upload, list and delete."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Path, Request, Response
from pydantic import BaseModel

from dreamjobsearch.api.deps import CallerDep
from dreamjobsearch.domain.file_names import FILE_NAME_PATTERN, MAX_NAME_LENGTH
from dreamjobsearch.errors import PayloadTooLargeError
from dreamjobsearch.http_common.valid_input import CheckedRoute
from dreamjobsearch.storage.user_files import FileInfo

router = APIRouter(prefix="/me/files", tags=["files"], route_class=CheckedRoute)

FileName = Annotated[
    str,
    Path(
        min_length=1,
        max_length=MAX_NAME_LENGTH,
        pattern=FILE_NAME_PATTERN,
        description="a plain file name ending in .json, .jsonl or .csv",
    ),
]
UPLOAD_DOC: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "description": "the file itself, as it is (JSON, JSON Lines or CSV)",
        "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}},
    }
}


class FileOut(BaseModel):
    """One of your files: its name, size in bytes, and when it was last written."""

    name: str
    size: int
    modified: datetime


def _out(info: FileInfo) -> FileOut:
    return FileOut(name=info.name, size=info.size, modified=info.modified)


async def read_limited(request: Request, limit: int) -> bytes:
    """The raw body, refused with `PayloadTooLargeError` as soon as it passes `limit` bytes."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise PayloadTooLargeError(f"a file can be at most {limit} bytes")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise PayloadTooLargeError(f"a file can be at most {limit} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


@router.get("")
async def list_files(caller: CallerDep) -> list[FileOut]:
    """Your files, by name: what a `{"type": "file", "path": NAME}` source can read."""
    return [_out(info) for info in await caller.workspace.files()]


@router.put(
    "/{name}",
    openapi_extra=UPLOAD_DOC,
    responses={413: {"description": "over the size of a file, of all your files, or their count"}},
)
async def upload_file(name: FileName, request: Request, caller: CallerDep) -> FileOut:
    """Store a file (the body, as it is), replacing any of that name. Only you can read it."""
    services = caller.services
    data = await read_limited(request, services.settings.max_user_file_bytes)
    return _out(await caller.workspace.store_file(name, data))


@router.delete("/{name}", status_code=204, responses={404: {"description": "no such file"}})
async def delete_file(name: FileName, caller: CallerDep) -> Response:
    """Delete one of your files."""
    await caller.workspace.delete_file(name)
    return Response(status_code=204)
