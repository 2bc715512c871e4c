"""A process that has not ranked for a user starts from the index another process stored,
with the keyword sets computed over it: it ranks exactly as the rule does without reading
the user's links in order or asking the search index again, takes postings stored since,
and never reads a keyword set with an order it was not computed over.

"Processes" here are rankers with memories of their own over one database, as API
processes are; they store every index, however small (in production only large ones).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np
import pytest
from sqlalchemy import event, text
from sqlalchemy.ext.asyncio import AsyncEngine

from dreamjobsearch.domain.ranking import normalize_keywords, rank
from dreamjobsearch.domain.tracking import STATUSES
from dreamjobsearch.search.ranker import Ranker, build_ranker
from dreamjobsearch.search.request import rank_request
from dreamjobsearch.services import Services
from dreamjobsearch.sources.files import parse_rows
from dreamjobsearch.storage.ranking_snapshots import (
    RankingSnapshotRepository,
    order_fingerprint,
)
from dreamjobsearch.storage.search_index import RankingOrder

Ranked = tuple[int, list[tuple[int, int, tuple[str, ...], tuple[tuple[str, str], ...]]]]
KEYWORDS = ["python", "C++", "machine learning", "kafka", "java"]


def row(number: int, title: str, description: str, **fields: Any) -> dict[str, Any]:
    """A posting on a company board, `fields` overriding."""
    values: dict[str, Any] = {
        "link": f"https://boards.greenhouse.io/acme/jobs/{number}",
        "title": title,
        "company": "Acme",
        "location": "Berlin, Germany",
        "description": description,
        "posted_at": f"2026-11-{number % 28 + 1:02d}T09:00:00Z",
    }
    values.update(fields)
    return values


ROWS = [
    row(1, "Python developer", "Python, Django and Kafka."),
    row(2, "C++ engineer", "Modern C++ and a little Python.", posted_at=None),
    row(3, "ML engineer", "Applied machine learning in Python.", location="Warsaw, Poland"),
    row(4, "Java developer", "Java 21; JavaScript for tooling.", company="Globex"),
    row(5, "Designer", "Figma."),
    # The same job on another board: one result with both links.
    row(1, "Python developer", "Python, Django and Kafka.")
    | {"link": "https://jobs.lever.co/acme/1"},
]
LATER = [
    row(10, "Kafka engineer", "Kafka and Java.", posted_at="2026-12-01T09:00:00Z"),
    row(11, "Undated", "machine learning and C++", posted_at=None),
    row(3, "ML engineer", "Applied machine learning in Python.", location="Warsaw, Poland")
    | {"link": "https://jobs.ashbyhq.com/acme/3"},
]


def process(services: Services) -> Ranker:
    """A new process's ranker: its own memory, the same database, every index stored."""
    return build_ranker(services.db, services.workspace_services.tracking, snapshot_min_postings=0)


async def store(services: Services, user_id: int, rows: list[dict[str, Any]]) -> None:
    """Store `rows` for the user as an import would."""
    parsed = parse_rows(rows)
    assert parsed.rejected == []
    await services.postings.store_for_user(user_id, parsed.postings)


async def ranked(ranker: Ranker, user_id: int, keywords: list[str]) -> Ranked:
    """The whole ranking, every status shown (the rule knows none)."""
    page = await ranker.rank(user_id, rank_request(keywords, statuses=STATUSES, limit=500))
    return page.total, [
        (item.posting.id, item.score, item.matched_keywords, item.links) for item in page.items
    ]


async def by_rule(services: Services, user_id: int, keywords: list[str]) -> Ranked:
    """The reference: ranking.rank() over every posting of the user."""
    ranked_postings = rank(await services.postings.for_user(user_id), normalize_keywords(keywords))
    return len(ranked_postings), [
        (item.posting.id, item.score, item.matched_keywords, item.links) for item in ranked_postings
    ]


@contextmanager
def statements(engine: AsyncEngine) -> Iterator[list[str]]:
    """Every SQL statement the engine runs meanwhile."""
    seen: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        seen.append(statement)

    event.listen(engine.sync_engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", record)


def searched(seen: list[str]) -> bool:
    """Whether the search index was asked for a keyword (FTS5 or PostgreSQL full text)."""
    return any("MATCH" in statement or "@@" in statement for statement in seen)


def read_in_order(seen: list[str]) -> bool:
    """Whether the user's links were read in ranking order (an index built from them)."""
    return any("ORDER BY posted_at DESC" in statement for statement in seen)


async def check_a_new_process_starts_from_the_stored_index(services: Services) -> None:
    """The journey of the module docstring, on the services' database."""
    user = await services.users.create("snap@example.com", "not-a-login")
    await store(services, user.id, ROWS)
    first = process(services)
    expected = await ranked(first, user.id, KEYWORDS)
    assert expected == await by_rule(services, user.id, KEYWORDS)
    await first.aclose()  # its stores are done

    second = process(services)
    with statements(services.engine) as seen:
        assert await ranked(second, user.id, KEYWORDS) == expected
    assert not searched(seen)
    assert not read_in_order(seen)
    # A keyword nobody ranked by yet is asked of the search index, and stored.
    with statements(services.engine) as seen:
        assert await ranked(second, user.id, ["django", "figma"]) == await by_rule(
            services, user.id, ["django", "figma"]
        )
    assert searched(seen)
    await second.aclose()

    # Postings arrive: the stored index is behind, a new process brings it up to date.
    await store(services, user.id, LATER)
    third = process(services)
    assert await ranked(third, user.id, KEYWORDS) == await by_rule(services, user.id, KEYWORDS)
    await third.aclose()
    fourth = process(services)
    with statements(services.engine) as seen:
        assert await ranked(fourth, user.id, KEYWORDS) == await by_rule(services, user.id, KEYWORDS)
    # The sets the third one carried to the new postings were stored with its index.
    assert not searched(seen)
    assert not read_in_order(seen)
    assert await ranked(fourth, user.id, ["django", "figma"]) == await by_rule(
        services, user.id, ["django", "figma"]
    )
    await fourth.aclose()


async def test_a_new_process_starts_from_the_stored_index(services: Services) -> None:
    await check_a_new_process_starts_from_the_stored_index(services)


@pytest.mark.services
async def test_a_new_process_starts_from_the_stored_index_on_postgresql(
    postgres_services: Services,
) -> None:
    await check_a_new_process_starts_from_the_stored_index(postgres_services)


async def test_a_login_in_a_new_process_prepares_from_the_stored_index(
    services: Services,
) -> None:
    user = await services.users.create("login@example.com", "not-a-login")
    await store(services, user.id, ROWS)
    await services.workspace_services.tracking.save_keywords(user.id, KEYWORDS)
    first = process(services)
    await first.prepare(user.id)
    await first.aclose()
    second = process(services)
    with statements(services.engine) as seen:
        await second.prepare(user.id)
        assert await ranked(second, user.id, KEYWORDS) == await by_rule(services, user.id, KEYWORDS)
    assert not searched(seen)
    await second.aclose()


async def test_small_indexes_are_not_stored(services: Services) -> None:
    user = await services.users.create("small@example.com", "not-a-login")
    await store(services, user.id, ROWS)
    # The production threshold.
    ranker = build_ranker(services.db, services.workspace_services.tracking)
    await ranked(ranker, user.id, KEYWORDS)
    await ranker.aclose()
    assert await RankingSnapshotRepository(services.db).load(user.id, []) is None


def order(*ids: int) -> RankingOrder:
    """An order of these posting ids, each alone in its group."""
    none = np.zeros(0, dtype=np.int64)
    return RankingOrder(np.asarray(ids, dtype=np.int64), none, none)


async def test_keyword_sets_are_read_only_with_the_order_they_were_computed_over(
    services: Services,
) -> None:
    user = await services.users.create("fingerprints@example.com", "not-a-login")
    snapshots = RankingSnapshotRepository(services.db)
    older, newer = order(3, 2, 1), order(4, 3, 2, 1)
    assert await snapshots.save(user.id, 1, older, order_fingerprint(older), {"k": b"\x05"})
    stored = await snapshots.load(user.id, ["k", "unknown"])
    assert stored is not None
    assert stored.keyword_sets == {"k": b"\x05"}
    assert stored.order.ids.tolist() == [3, 2, 1]

    assert await snapshots.save(user.id, 2, newer, order_fingerprint(newer), {})
    stored = await snapshots.load(user.id, ["k"])
    assert stored is not None
    assert stored.version == 2
    assert stored.keyword_sets == {}  # computed over the older order: gone with it
    # A process still holding the older order cannot store sets for it any more...
    assert not await snapshots.save_keyword_sets(user.id, order_fingerprint(older), {"k": b"\x05"})
    # ...nor put its older index back.
    assert not await snapshots.save(user.id, 1, older, order_fingerprint(older), {})
    assert await snapshots.save_keyword_sets(user.id, order_fingerprint(newer), {"k": b"\x0a"})
    stored = await snapshots.load(user.id, ["k"])
    assert stored is not None
    assert (stored.version, stored.keyword_sets) == (2, {"k": b"\x0a"})


async def test_groups_survive_the_round_trip(services: Services) -> None:
    user = await services.users.create("groups@example.com", "not-a-login")
    snapshots = RankingSnapshotRepository(services.db)
    grouped = RankingOrder(
        np.asarray([9, 7, 5, 3], dtype=np.int64),
        np.asarray([7], dtype=np.int64),
        np.asarray([3], dtype=np.int64),
    )
    assert await snapshots.save(user.id, 1, grouped, order_fingerprint(grouped), {})
    stored = await snapshots.load(user.id, [])
    assert stored is not None
    assert stored.order.ids.tolist() == [9, 7, 5, 3]
    assert (stored.order.filed.tolist(), stored.order.filed_groups.tolist()) == ([7], [3])
    assert stored.fingerprint == order_fingerprint(grouped)


async def test_a_deleted_account_takes_its_stored_index_along(services: Services) -> None:
    user = await services.users.create("gone@example.com", "not-a-login")
    await store(services, user.id, ROWS)
    ranker = process(services)
    await ranked(ranker, user.id, KEYWORDS)
    await ranker.aclose()
    snapshots = RankingSnapshotRepository(services.db)
    assert await snapshots.load(user.id, []) is not None
    assert await services.users.delete(user.id)
    async with services.engine.connect() as connection:
        for table in ("ranking_snapshots", "ranking_keyword_sets"):
            left = await connection.execute(text(f"SELECT count(*) FROM {table}"))  # noqa: S608
            assert left.scalar_one() == 0, table
