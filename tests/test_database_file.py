"""The SQLite database (password hashes, sealed secrets) is private to its owner: 0600."""

from __future__ import annotations

import os
import stat
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from conftest import TEST_SECRET
from processes import DREAMJOB, dreamjob_process, free_port, wait_healthy
from support import PASSWORD

# Real server and CLI processes.
pytestmark = pytest.mark.slow

DATABASE = "dreamjob.db"


def mode_of(path: Path) -> int:
    """The permission bits of a file."""
    return stat.S_IMODE(path.stat().st_mode)


@contextmanager
def permissive_umask() -> Iterator[None]:
    """Start processes under the common umask (022), which makes new files 0644."""
    previous = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(previous)


def environment(data_dir: Path) -> dict[str, str]:
    """A real process's environment with its own DATA_DIR."""
    return {
        **os.environ,
        "DREAMJOB_DATA_DIR": str(data_dir),
        "DREAMJOB_JWT_SECRET": TEST_SECRET,
        "DREAMJOB_LOG_LEVEL": "WARNING",
    }


async def test_a_fresh_server_creates_its_database_and_wal_files_0600(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    port = free_port()
    with permissive_umask():
        async with dreamjob_process(
            ["serve", "--port", str(port)], environment(data_dir), tmp_path / "serve.log"
        ):
            base_url = f"http://127.0.0.1:{port}"
            await wait_healthy(base_url, tmp_path / "serve.log")
            async with httpx.AsyncClient(base_url=base_url, timeout=30) as client:
                response = await client.post(
                    "/register", json={"email": "private@example.com", "password": PASSWORD}
                )
                assert response.status_code == 201, response.text
            # While the server runs, the write-ahead log and its index exist beside the file.
            files = [data_dir / name for name in (DATABASE, f"{DATABASE}-wal", f"{DATABASE}-shm")]
            assert {path.name: mode_of(path) for path in files} == {
                path.name: 0o600 for path in files
            }


def test_the_cli_makes_an_existing_world_readable_database_private(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    database = data_dir / DATABASE
    database.touch()
    database.chmod(0o644)  # as earlier versions left it
    with permissive_umask():
        done = subprocess.run(
            [*DREAMJOB, "admin", "list"],
            env=environment(data_dir),
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    assert done.returncode == 0, done.stdout + done.stderr
    assert mode_of(database) == 0o600
    assert "0 admins" in done.stdout
