"""A large write on SQLite runs with a larger page cache, and gives it back after: no
pooled connection keeps more memory than SQLite's default once the write is done."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from conftest import SettingsFactory
from ranking_support import posting
from sqlalchemy import text

from dreamjobsearch.services import Services, build_services
from dreamjobsearch.sources.files import parse_rows


@pytest.fixture
async def services(make_settings: SettingsFactory) -> AsyncIterator[Services]:
    """The services of one process, on SQLite in the test's DATA_DIR."""
    built = await build_services(make_settings())
    yield built
    await built.aclose()


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
