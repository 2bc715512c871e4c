"""Update runs: their state, counts and timings."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update

from dreamjobsearch.storage.db import Database
from dreamjobsearch.storage.models import Run, utcnow

ACTIVE_STATES = ("queued", "running")


class RunRepository:
    """Reads and writes `runs`; every read is scoped to the owning user."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def create(
        self,
        run_id: str,
        user_id: int,
        params: dict[str, Any],
        saved_search_id: int | None = None,
    ) -> Run:
        """Record a new queued run (started by a saved search when `saved_search_id` is set)."""
        run = Run(
            id=run_id,
            user_id=user_id,
            status="queued",
            params=params,
            counts={},
            saved_search_id=saved_search_id,
        )
        async with self._db() as session:
            session.add(run)
            await session.commit()
        return run

    async def get(self, user_id: int, run_id: str) -> Run | None:
        """The user's run with this id; another user's run is None."""
        async with self._db() as session:
            result = await session.execute(
                select(Run).where(Run.id == run_id, Run.user_id == user_id)
            )
            return result.scalar_one_or_none()

    async def list_for_user(self, user_id: int, limit: int = 100) -> list[Run]:
        """The user's most recent runs, newest first."""
        async with self._db() as session:
            result = await session.execute(
                select(Run)
                .where(Run.user_id == user_id)
                .order_by(Run.created_at.desc())
                .limit(limit)
            )
            return list(result.scalars())

    async def count_active(self, user_id: int) -> int:
        """How many of the user's runs are queued or running."""
        async with self._db() as session:
            result = await session.execute(
                select(func.count())
                .select_from(Run)
                .where(Run.user_id == user_id, Run.status.in_(ACTIVE_STATES))
            )
            return int(result.scalar_one())

    async def mark_running(self, run_id: str) -> None:
        """The run has started."""
        await self._update(run_id, status="running", started_at=utcnow())

    async def save_counts(self, run_id: str, counts: dict[str, int]) -> None:
        """Persist progress so far."""
        await self._update(run_id, counts=dict(counts))

    async def finish(
        self,
        run_id: str,
        status: str,
        counts: dict[str, int],
        error: str | None = None,
        message: str | None = None,
    ) -> None:
        """The run reached a final state."""
        await self._update(
            run_id,
            status=status,
            counts=dict(counts),
            error=error,
            message=message,
            finished_at=utcnow(),
        )

    async def record_digest_error(self, run_id: str, error: str) -> None:
        """The run's alert email could not be sent: why."""
        await self._update(run_id, digest_error=error)

    async def interrupt_unfinished(self) -> int:
        """Mark runs left queued or running by a stopped process as `interrupted`."""
        async with self._db() as session:
            result = await session.execute(
                update(Run)
                .where(Run.status.in_(ACTIVE_STATES))
                .values(status="interrupted", finished_at=utcnow())
            )
            await session.commit()
            return int(getattr(result, "rowcount", 0) or 0)

    async def unfinished(self, created_before: datetime) -> list[Run]:
        """Every user's queued or running runs created before the given moment."""
        async with self._db() as session:
            result = await session.execute(
                select(Run).where(Run.status.in_(ACTIVE_STATES), Run.created_at < created_before)
            )
            return list(result.scalars())

    async def interrupt(self, run_id: str, message: str) -> bool:
        """Mark one run `interrupted`, unless it has finished meanwhile; whether it was."""
        async with self._db() as session:
            result = await session.execute(
                update(Run)
                .where(Run.id == run_id, Run.status.in_(ACTIVE_STATES))
                .values(status="interrupted", message=message, finished_at=utcnow())
            )
            await session.commit()
            return bool(getattr(result, "rowcount", 0))

    async def _update(self, run_id: str, **values: Any) -> None:
        async with self._db() as session:
            await session.execute(update(Run).where(Run.id == run_id).values(**values))
            await session.commit()
