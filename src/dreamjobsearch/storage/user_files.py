"""Each user's own file area, `DATA_DIR/files/<user_id>/`: the files their `file` sources read.

A file is named by a plain name only (no separator, no leading dot, a .json, .jsonl or .csv
extension), so no name reaches outside its owner's directory. Directories are 0700 and files
0600. A write goes to a temporary file renamed into place, so a reader never sees half a
file; every disk access runs in a thread, off the event loop. Errors name the file as the
user did, never a path on the server.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import shutil
import stat
import tempfile
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from dreamjobsearch.domain.file_names import FILE_NAME_PATTERN, MAX_NAME_LENGTH
from dreamjobsearch.errors import InvalidInputError, NotFoundError, PayloadTooLargeError

_FILE_NAME = re.compile(FILE_NAME_PATTERN)
# Temporary files start with a dot: never a valid name, so never listed, read or replaced.
TEMP_PREFIX = ".upload-"


def is_file_name(name: str) -> bool:
    """Whether `name` is a plain file name a user may give a file."""
    return len(name) <= MAX_NAME_LENGTH and _FILE_NAME.fullmatch(name) is not None


def check_file_name(name: str) -> None:
    """Raise `InvalidInputError` unless `name` is a plain file name a user may give a file."""
    if not is_file_name(name):
        raise InvalidInputError(
            f"a file name is a plain name of at most {MAX_NAME_LENGTH} characters (letters, "
            "digits, '_', '-', '.', not starting with a dot) ending in .json, .jsonl or .csv"
        )


@dataclass(frozen=True, slots=True)
class FileInfo:
    """One of a user's files: its name, size in bytes and when it was last written."""

    name: str
    size: int
    modified: datetime


@dataclass(frozen=True, slots=True)
class FileLimits:
    """How much one user may keep: bytes per file, bytes in all, and how many files."""

    max_file_bytes: int
    max_total_bytes: int
    max_files: int


class UserFiles:
    """The file areas of every user, under one root; every call is scoped to one user."""

    def __init__(self, root: Path, limits: FileLimits) -> None:
        self._root = root
        self.limits = limits
        # Held from the quota check to the rename, so that two uploads of one process cannot
        # both fit under a limit that only one of them fits under.
        self._quota = threading.Lock()

    async def list_for_user(self, user_id: int) -> list[FileInfo]:
        """The user's files, by name."""
        return await asyncio.to_thread(self._list, user_id)

    async def read(self, user_id: int, name: str) -> bytes:
        """The content of one of the user's files; `NotFoundError` when there is none."""
        return await asyncio.to_thread(self._read, user_id, name)

    async def store(self, user_id: int, name: str, data: bytes) -> FileInfo:
        """Create or replace one of the user's files; `PayloadTooLargeError` beyond a limit."""
        check_file_name(name)
        if len(data) > self.limits.max_file_bytes:
            raise PayloadTooLargeError(f"a file can be at most {self.limits.max_file_bytes} bytes")
        return await asyncio.to_thread(self._store, user_id, name, data)

    async def delete(self, user_id: int, name: str) -> None:
        """Delete one of the user's files; `NotFoundError` when there is none."""
        await asyncio.to_thread(self._delete, user_id, name)

    async def remove_all(self, user_id: int) -> None:
        """Remove the user's whole area (their account is being deleted)."""
        await asyncio.to_thread(self._remove_all, user_id)

    def _directory(self, user_id: int) -> Path:
        return self._root / str(int(user_id))

    def _list(self, user_id: int) -> list[FileInfo]:
        try:
            entries = list(os.scandir(self._directory(user_id)))
        except FileNotFoundError:
            return []
        files = []
        for entry in entries:
            # Only regular files with a valid name: no temporary files, links or folders.
            if is_file_name(entry.name) and entry.is_file(follow_symlinks=False):
                status = entry.stat(follow_symlinks=False)
                files.append(_info(entry.name, status))
        return sorted(files, key=lambda info: info.name)

    def _read(self, user_id: int, name: str) -> bytes:
        if not is_file_name(name):
            raise NotFoundError(f"file {name} not found")
        path = self._directory(user_id) / name
        try:
            # O_NOFOLLOW: a link placed in the area is not followed out of it.
            descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
        except OSError as error:
            raise NotFoundError(f"file {name} not found") from error
        with os.fdopen(descriptor, "rb") as handle:
            if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
                raise NotFoundError(f"file {name} not found")
            return handle.read()

    def _store(self, user_id: int, name: str, data: bytes) -> FileInfo:
        directory = self._directory(user_id)
        self._root.mkdir(mode=0o700, parents=True, exist_ok=True)
        directory.mkdir(mode=0o700, exist_ok=True)
        # mkstemp creates the file 0600, readable by the server's user alone.
        descriptor, temporary = tempfile.mkstemp(dir=directory, prefix=TEMP_PREFIX)
        try:
            with os.fdopen(descriptor, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            with self._quota:
                self._check_quota(user_id, name, len(data))
                os.replace(temporary, directory / name)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(temporary)
            raise
        return _info(name, os.stat(directory / name, follow_symlinks=False))

    def _remove_all(self, user_id: int) -> None:
        with contextlib.suppress(FileNotFoundError):
            shutil.rmtree(self._directory(user_id))

    def _check_quota(self, user_id: int, name: str, size: int) -> None:
        others = [info for info in self._list(user_id) if info.name != name]
        limits = self.limits
        if len(others) >= limits.max_files:
            raise PayloadTooLargeError(
                f"you can keep at most {limits.max_files} files: delete one to add another"
            )
        if sum(info.size for info in others) + size > limits.max_total_bytes:
            raise PayloadTooLargeError(
                f"your files can take at most {limits.max_total_bytes} bytes in all: "
                "delete some to make room"
            )

    def _delete(self, user_id: int, name: str) -> None:
        if not is_file_name(name):
            raise NotFoundError(f"file {name} not found")
        try:
            (self._directory(user_id) / name).unlink()
        except (FileNotFoundError, IsADirectoryError) as error:
            raise NotFoundError(f"file {name} not found") from error


def _info(name: str, status: os.stat_result) -> FileInfo:
    return FileInfo(name, status.st_size, datetime.fromtimestamp(status.st_mtime, UTC))
