"""The version of a user's postings: it moves whenever postings are linked to them.

Processes cache a ranking index per user (`search/cache.py`) and trust it only while this
number is unchanged, so it moves in the very transaction that links the postings, and
those links record the version they moved it to (`user_postings.linked_version`). Moving it
locks the user's tracking row until the transaction ends, so two transactions never share
a version, and every link of versions up to N is visible wherever version N is.
"""

from __future__ import annotations

from typing import cast

from sqlalchemy import Table
from sqlalchemy.ext.asyncio import AsyncSession

from dreamjobsearch.storage.models import UserTracking
from dreamjobsearch.storage.sql import upsert

TRACKING = cast(Table, UserTracking.__table__)


async def bump_postings_version(session: AsyncSession, user_id: int) -> int:
    """Record, in the caller's transaction, that the user's postings changed; the new
    version."""
    result = await session.execute(
        upsert(
            session,
            TRACKING,
            {"user_id": user_id, "postings_version": 1, "keywords": [], "blocked_companies": []},
            ["user_id"],
            {"postings_version": TRACKING.c.postings_version + 1},
        ).returning(TRACKING.c.postings_version)
    )
    return int(result.scalar_one())
