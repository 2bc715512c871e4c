"""The `Runner` protocol: accepts runs, cancels them, stops cleanly."""

from __future__ import annotations

from typing import Protocol

from dreamjobsearch.params.update import UpdateParams


class Runner(Protocol):
    """Executes update runs somewhere, at most a bounded number at once."""

    async def submit(self, run_id: str, user_id: int, params: UpdateParams) -> None:
        """Start (or queue) a recorded run."""
        ...

    async def cancel(self, run_id: str) -> bool:
        """Ask a queued or running run to stop; False when this runner does not have it."""
        ...

    async def close(self) -> None:
        """Stop every run (they become `interrupted`) and release resources."""
        ...
