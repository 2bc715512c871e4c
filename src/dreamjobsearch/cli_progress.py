"""The terminal's console and the progress bar of long counted work (imports, re-encryption)."""

from __future__ import annotations

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

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
