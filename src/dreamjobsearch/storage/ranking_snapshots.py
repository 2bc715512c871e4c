"""Users' ranking indexes kept in the database, with the keyword sets computed over them.

A snapshot is a user's postings in ranking order (their ids, and the few filed under
another posting's cross-board group, with those groups) at a postings version, named by a
fingerprint of exactly those arrays. A keyword set is a bitmap over a snapshot's
positions, so it carries the fingerprint of the arrays it was computed over and is read
only with them: two processes that build a user's index at once can never mix one's
positions with the other's order. Arrays are stored as raw little-endian int64 bytes
(never pickled).
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import cast

import numpy as np
from sqlalchemy import Table, delete, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from dreamjobsearch.storage.db import Database
from dreamjobsearch.storage.models import RankingKeywordSet, RankingSnapshot, utcnow
from dreamjobsearch.storage.search_index import RankingOrder
from dreamjobsearch.storage.sql import upsert

SNAPSHOTS = cast(Table, RankingSnapshot.__table__)
KEYWORD_SETS = cast(Table, RankingKeywordSet.__table__)
# Keyword sets kept per user (the most recently saved): a user's saved keywords and the
# ones they try out, not every keyword they ever typed.
KEYWORD_SETS_STORED = 64
STORED_INT = np.dtype("<i8")


@dataclass(frozen=True, slots=True)
class StoredSnapshot:
    """A user's snapshot as read back: its version, fingerprint, order, and the stored
    keyword sets asked for that were computed over it (by keyword digest)."""

    version: int
    fingerprint: bytes
    order: RankingOrder
    keyword_sets: dict[str, bytes]


def order_fingerprint(order: RankingOrder) -> bytes:
    """A 16-byte name of exactly this order and these groups. CPU work (a few ms at
    100,000 postings)."""
    digest = hashlib.blake2b(digest_size=16)
    for part in _encoded(order).values():
        digest.update(len(part).to_bytes(8, "little"))
        digest.update(part)
    return digest.digest()


def _encoded(order: RankingOrder) -> dict[str, bytes]:
    return {
        "ids": order.ids.astype(STORED_INT).tobytes(),
        "filed_ids": order.filed.astype(STORED_INT).tobytes(),
        "filed_groups": order.filed_groups.astype(STORED_INT).tobytes(),
    }


def _decoded(ids: bytes, filed_ids: bytes, filed_groups: bytes) -> RankingOrder:
    return RankingOrder(
        *(
            np.frombuffer(part, dtype=STORED_INT).astype(np.int64)
            for part in (ids, filed_ids, filed_groups)
        )
    )


class RankingSnapshotRepository:
    """Reads and writes users' snapshots and keyword sets."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def load(self, user_id: int, keywords: Sequence[str]) -> StoredSnapshot | None:
        """The user's snapshot, with the sets of those `keywords` (digests) stored for it;
        None when there is none."""
        async with self._db() as session:
            row = (
                await session.execute(
                    select(
                        SNAPSHOTS.c.postings_version,
                        SNAPSHOTS.c.fingerprint,
                        SNAPSHOTS.c.ids,
                        SNAPSHOTS.c.filed_ids,
                        SNAPSHOTS.c.filed_groups,
                    ).where(SNAPSHOTS.c.user_id == user_id)
                )
            ).first()
            if row is None:
                return None
            sets: dict[str, bytes] = {}
            if keywords:
                found = await session.execute(
                    select(KEYWORD_SETS.c.keyword, KEYWORD_SETS.c.bitmap).where(
                        KEYWORD_SETS.c.user_id == user_id,
                        KEYWORD_SETS.c.fingerprint == row.fingerprint,
                        KEYWORD_SETS.c.keyword.in_(list(keywords)),
                    )
                )
                sets = {keyword: bitmap for keyword, bitmap in found.all()}
        order = _decoded(row.ids, row.filed_ids, row.filed_groups)
        return StoredSnapshot(row.postings_version, row.fingerprint, order, sets)

    async def save(
        self,
        user_id: int,
        version: int,
        order: RankingOrder,
        fingerprint: bytes,
        keyword_sets: Mapping[str, bytes],
    ) -> bool:
        """Store the user's snapshot at `version` with its keyword sets, replacing the one
        stored unless that one is newer; whether it was stored. The sets of the replaced
        snapshot go with it."""
        encoded = await asyncio.to_thread(_encoded, order)
        values = {"postings_version": version, "fingerprint": fingerprint, **encoded}
        async with self._db() as session, session.begin():
            stored = await session.execute(
                upsert(
                    session,
                    SNAPSHOTS,
                    {"user_id": user_id, "saved_at": utcnow(), **values},
                    ["user_id"],
                    {**values, "saved_at": utcnow()},
                    where=SNAPSHOTS.c.postings_version <= version,
                ).returning(SNAPSHOTS.c.user_id)
            )
            if stored.first() is None:
                return False
            await session.execute(
                delete(KEYWORD_SETS).where(
                    KEYWORD_SETS.c.user_id == user_id, KEYWORD_SETS.c.fingerprint != fingerprint
                )
            )
            await _put_sets(session, user_id, fingerprint, keyword_sets)
        return True

    async def save_keyword_sets(
        self, user_id: int, fingerprint: bytes, keyword_sets: Mapping[str, bytes]
    ) -> bool:
        """Store keyword sets computed over the snapshot `fingerprint`, if it is still
        the user's stored one; whether they were stored."""
        async with self._db() as session, session.begin():
            current = await session.scalar(
                select(SNAPSHOTS.c.fingerprint).where(SNAPSHOTS.c.user_id == user_id)
            )
            if current != fingerprint:
                return False
            await _put_sets(session, user_id, fingerprint, keyword_sets)
        return True


async def _put_sets(
    session: AsyncSession, user_id: int, fingerprint: bytes, keyword_sets: Mapping[str, bytes]
) -> None:
    """Replace the user's rows of these keywords, then keep only the newest sets."""
    if not keyword_sets:
        return
    await session.execute(
        delete(KEYWORD_SETS).where(
            KEYWORD_SETS.c.user_id == user_id, KEYWORD_SETS.c.keyword.in_(list(keyword_sets))
        )
    )
    now = utcnow()
    await session.execute(
        insert(KEYWORD_SETS),
        [
            {
                "user_id": user_id,
                "keyword": keyword,
                "fingerprint": fingerprint,
                "bitmap": bitmap,
                "saved_at": now,
            }
            for keyword, bitmap in keyword_sets.items()
        ],
    )
    newest = (
        select(KEYWORD_SETS.c.keyword)
        .where(KEYWORD_SETS.c.user_id == user_id)
        .order_by(KEYWORD_SETS.c.saved_at.desc())
        .limit(KEYWORD_SETS_STORED)
    )
    await session.execute(
        delete(KEYWORD_SETS).where(
            KEYWORD_SETS.c.user_id == user_id, KEYWORD_SETS.c.keyword.not_in(newest)
        )
    )
