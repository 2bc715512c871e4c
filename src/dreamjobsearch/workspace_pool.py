"""`WorkspacePool`: the process's one workspace per user, under one memory budget.

A user's workspace is made at login (or on the first request this process serves for
them: after a restart, an eviction, or on another process), shared by all their sessions,
and dropped with their last session here. What it holds (above all the ranking index and
its keyword sets, through the slot the ranking cache fills) is measured after each ranking,
from the index's own byte count, so measuring never walks the user's postings; when the
total passes `WORKSPACE_MEMORY_MB` the least recently used workspaces go. An evicted user's
next request gets a new, empty workspace, whose first ranking loads the stored snapshot
(`search/snapshots.py`): as after a restart.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from dataclasses import dataclass, field

from dreamjobsearch.sessions.memory_usage import deep_size
from dreamjobsearch.workspace import Workspace, WorkspaceServices

logger = logging.getLogger(__name__)


@dataclass(slots=True)
class _Entry:
    """A held workspace, the sessions of this process using it, and its measured size."""

    workspace: Workspace
    sids: set[str] = field(default_factory=set)
    nbytes: int = 0


@dataclass(frozen=True, slots=True)
class WorkspaceUsage:
    """One held workspace, as the admin monitor shows it."""

    user_id: int
    email: str
    sessions: int
    memory_bytes: int


@dataclass(frozen=True, slots=True)
class PoolUsage:
    """What the pool holds: each workspace (largest first), the total, and the budget."""

    workspaces: list[WorkspaceUsage]
    memory_bytes: int
    budget_bytes: int


class WorkspacePool:
    """One workspace per user in this process, least recently used evicted over budget."""

    def __init__(self, services: WorkspaceServices, budget_bytes: int) -> None:
        self._services = services
        self._budget = budget_bytes
        self._entries: OrderedDict[int, _Entry] = OrderedDict()
        # Which user each session seen here belongs to (sessions end by sid).
        self._users: dict[str, int] = {}
        self._total = 0
        services.rankings.listen(self.measure)

    def acquire(self, user_id: int, email: str, sid: str | None = None) -> Workspace:
        """The user's workspace (made now if not held), as the most recently used; `sid`,
        the session using it (None: no session, e.g. the CLI)."""
        entry = self._entries.get(user_id)
        if entry is None:
            ranking = self._services.rankings.hold(user_id)
            entry = _Entry(Workspace(user_id, email, self._services, ranking))
            self._entries[user_id] = entry
            self._remeasure(user_id, entry)
        else:
            self._entries.move_to_end(user_id)
        if sid is not None and sid not in entry.sids:
            entry.sids.add(sid)
            self._users[sid] = user_id
        return entry.workspace

    def end_session(self, sid: str) -> None:
        """Session `sid` ended: its user's workspace goes with their last session here."""
        user_id = self._users.pop(sid, None)
        entry = None if user_id is None else self._entries.get(user_id)
        if entry is None or user_id is None:
            return
        entry.sids.discard(sid)
        if not entry.sids:
            self._drop(user_id)

    def end_user(self, user_id: int) -> None:
        """Every session of the user ended (or the account went): drop their workspace."""
        self._drop(user_id)

    def measure(self, user_id: int) -> None:
        """Measure the user's workspace again (a ranking grew it), then keep to the budget."""
        entry = self._entries.get(user_id)
        if entry is not None:
            self._remeasure(user_id, entry)

    def usage(self) -> PoolUsage:
        """Each held workspace's measured bytes, the total and the budget."""
        rows = [
            WorkspaceUsage(user_id, entry.workspace.email, len(entry.sids), entry.nbytes)
            for user_id, entry in self._entries.items()
        ]
        rows.sort(key=lambda row: row.memory_bytes, reverse=True)
        return PoolUsage(rows, self._total, self._budget)

    def _remeasure(self, user_id: int, entry: _Entry) -> None:
        workspace = entry.workspace
        # The small part (names, saved lists, session ids) by walking it; the index by its
        # own count. The shared services are left out: every workspace references them.
        small = deep_size(
            [workspace, entry.sids], exclude=(self._services, workspace.ranking, entry)
        )
        size = small + workspace.nbytes
        self._total += size - entry.nbytes
        entry.nbytes = size
        self._evict(keep=user_id)

    def _evict(self, keep: int) -> None:
        """Drop least recently used workspaces until the total fits the budget (never the
        one in use now, however large)."""
        while self._total > self._budget and len(self._entries) > 1:
            oldest = next(iter(self._entries))
            if oldest == keep:
                self._entries.move_to_end(oldest)
                continue
            logger.debug(
                "workspace of user %s evicted (%d bytes): over WORKSPACE_MEMORY_MB",
                oldest,
                self._entries[oldest].nbytes,
            )
            self._drop(oldest)

    def _drop(self, user_id: int) -> None:
        entry = self._entries.pop(user_id, None)
        if entry is None:
            return
        self._total -= entry.nbytes
        for sid in entry.sids:
            self._users.pop(sid, None)
        self._services.rankings.drop(user_id)
