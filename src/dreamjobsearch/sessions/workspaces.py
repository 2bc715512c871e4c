"""`WorkspaceSource`: where the session manager gets a user's workspace, and tells when a
session ends.

The manager keeps no workspaces: sessions of the same user share one, which the source
(the process's workspace pool) holds, measures and evicts. The manager only hands it over
on each request and reports which sessions ended, so the source can let a workspace go with
its user's last session in this process.
"""

from __future__ import annotations

from typing import Protocol, TypeVar

W_co = TypeVar("W_co", covariant=True)


class WorkspaceSource(Protocol[W_co]):
    """Gives each user's one workspace of this process, and hears when sessions end."""

    def acquire(self, user_id: int, email: str, sid: str | None = None) -> W_co:
        """The user's workspace (built on first use), used now by session `sid`."""
        ...

    def end_session(self, sid: str) -> None:
        """Session `sid` ended; its user's workspace goes if no other session uses it."""
        ...

    def end_user(self, user_id: int) -> None:
        """Every session of the user ended: their workspace goes."""
        ...
