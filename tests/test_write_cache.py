"""A large write on SQLite runs with a larger page cache, and gives it back after: no
pooled connection keeps more memory than SQLite's default once the write is done."""

from __future__ import annotations

import pytest
from ranking_support import posting
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from dreamjobsearch.services import Services
from dreamjobsearch.sources.files import parse_rows
from dreamjobsearch.storage.sql import sqlite_write_cache


async def _cache_sizes(services: Services) -> list[int]:
    """`PRAGMA cache_size` of every connection the pool holds (all checked out at once)."""
    connections = [await services.engine.connect() for _ in range(services.engine.pool.checkedin())]
    try:
        return [
            int((await connection.execute(text("PRAGMA cache_size"))).scalar_one())
            for connection in connections
        ]
    finally:
        for connection in connections:
            await connection.close()


async def test_storing_postings_leaves_every_connection_its_own_cache_size(
    services: Services,
) -> None:
    user = await services.users.create("cache@example.com", "not-a-login")
    before = await _cache_sizes(services)
    assert before, "the pool holds the connections the account was created on"

    rows = [posting(f"Engineer {number}", "Python and SQL " * 50) for number in range(300)]
    result = await services.postings.store_for_user(user.id, parse_rows(rows).postings)

    assert result.new == 300
    after = await _cache_sizes(services)
    assert after
    assert set(after) == {before[0]}
    assert await services.postings.count_for_user(user.id) == 300


async def test_a_write_that_fails_keeps_its_error_and_gives_the_cache_back(
    services: Services,
) -> None:
    await services.users.create("failed@example.com", "not-a-login")
    before = await _cache_sizes(services)

    with pytest.raises(IntegrityError, match="UNIQUE"):
        async with services.db() as session, session.begin(), sqlite_write_cache(session):
            await session.execute(text("INSERT INTO users SELECT * FROM users"))

    after = await _cache_sizes(services)
    assert after
    assert set(after) == {before[0]}
