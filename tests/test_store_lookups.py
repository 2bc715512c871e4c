"""A store looks up any number of postings at once, on SQLite and on PostgreSQL: the
identities a board run meets are one parameter, not one per value (SQLite allows 32,766
of those in a statement by default)."""

from __future__ import annotations

import pytest
from ranking_support import posting

from dreamjobsearch.services import Services
from dreamjobsearch.sources.files import parse_rows

MORE_THAN_SQLITE_ALLOWS = 40_000


@pytest.fixture(params=["sqlite", "postgresql"])
def any_services(request: pytest.FixtureRequest) -> Services:
    """The services on SQLite, then on PostgreSQL."""
    name = "services" if request.param == "sqlite" else "postgres_services"
    services: Services = request.getfixturevalue(name)
    return services


async def test_known_postings_are_found_among_tens_of_thousands_of_identities(
    any_services: Services,
) -> None:
    postings = any_services.postings
    user = await any_services.users.create("lookups@example.com", "not-a-login")
    stored = parse_rows([posting(f"Engineer {number}") for number in range(3)]).postings
    await postings.store_for_user(user.id, stored)
    ids = await postings.known(user.id, [(one.source, one.external_id) for one in stored])
    assert len(ids) == 3

    unknown = [
        (stored[0].source, f"never-stored-{number}") for number in range(MORE_THAN_SQLITE_ALLOWS)
    ]
    # The stored ones among them, at the start, in the middle and at the end.
    first, middle, last = ((one.source, one.external_id) for one in stored)
    half = MORE_THAN_SQLITE_ALLOWS // 2
    identities = [first, *unknown[:half], middle, *unknown[half:], last]
    assert len(identities) > MORE_THAN_SQLITE_ALLOWS

    assert await postings.known(user.id, identities) == ids
