"""The terminal's console and the progress bars of long work (imports, re-encryption)."""

from __future__ import annotations

from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

console = Console()


def counted_progress(label: str) -> Progress:
    """A bar showing `label`, items done out of the total, and the time spent."""
    return Progress(
        TextColumn(f"[bold]{label}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
    )


def bytes_progress(label: str) -> Progress:
    """A bar of a file read through: `label`, bytes read of its size, the rows read so far
    (a task's `rows` field), the time spent and the time left."""
    return Progress(
        TextColumn(f"[bold]{label}"),
        BarColumn(),
        DownloadColumn(),
        TextColumn("{task.fields[rows]} rows"),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=console,
    )
