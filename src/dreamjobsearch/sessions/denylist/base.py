"""The `Denylist` protocol: sessions ended before their tokens expire.

The stateless store (`lazy`) looks no session up on a request, so ending one means listing its
id here until its tokens expire; every request checks the list.
"""

from __future__ import annotations

from typing import Protocol


class Denylist(Protocol):
    """Ended session ids, each kept until the moment its tokens expire."""

    async def revoke(self, sid: str, until: float, now: float) -> None:
        """Refuse the session's tokens from now until `until` (epoch seconds)."""
        ...

    async def is_revoked(self, sid: str) -> bool:
        """Whether the session was ended (and its tokens may not have expired yet)."""
        ...

    async def purge(self, now: float) -> int:
        """Forget entries whose tokens have expired; returns how many went."""
        ...
