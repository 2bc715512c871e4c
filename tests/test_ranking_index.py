"""The fast ranking (search index + bitmaps) gives exactly what the rule gives.

`ranking.rank()` over every posting of the user is the reference; the tests compare whole
rankings (ids, scores, matched keywords, links, total) on tricky data, after postings
arrive, across processes sharing a database, for postings stored before the index
existed, on PostgreSQL, and on random data.
"""

# ruff: noqa: RUF001 -- look-alike letters (Greek iota) are part of the tricky data
from __future__ import annotations

import asyncio
import itertools
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from unittest.mock import patch

import numpy as np
import pytest
from conftest import SettingsFactory
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import create_engine, text

from dreamjobsearch.domain.filters import NO_FILTERS, PostingFilters
from dreamjobsearch.domain.ranking import normalize_keywords, rank
from dreamjobsearch.domain.tracking import STATUSES
from dreamjobsearch.search.index import RankingIndex
from dreamjobsearch.services import Services, build_services
from dreamjobsearch.sources.files import parse_rows
from dreamjobsearch.storage.db import sync_url
from dreamjobsearch.storage.index_rows import encode_for_index
from dreamjobsearch.storage.migrate import upgrade
from dreamjobsearch.storage.search_index import AddedLinks, RankingOrder, id_ranges
from dreamjobsearch.workspace import Workspace

Ranked = tuple[int, int, tuple[str, ...], tuple[tuple[str, str], ...]]
BOARDS = (
    "https://boards.greenhouse.io/acme/jobs/{n}",
    "https://jobs.lever.co/acme/{n}",
    "https://jobs.ashbyhq.com/acme/{n}",
)


async def new_user(services: Services, email: str) -> Workspace:
    """A fresh account's workspace."""
    user = await services.users.create(email, "not-a-login")
    return services.workspace_for(user.id, user.email)


async def store(services: Services, workspace: Workspace, rows: list[dict[str, Any]]) -> None:
    """Store `rows` for the user as an import would."""
    parsed = parse_rows(rows)
    assert parsed.rejected == []
    await services.postings.store_for_user(workspace.user_id, parsed.postings)


async def by_rule(
    services: Services,
    workspace: Workspace,
    keywords: list[str],
    location: str | None,
    filters: PostingFilters = NO_FILTERS,
) -> tuple[int, list[Ranked]]:
    """The reference: ranking.rank() over every posting of the user."""
    postings = await services.postings.for_user(workspace.user_id)
    ranked = rank(postings, normalize_keywords(keywords), location, filters)
    return len(ranked), [
        (item.posting.id, item.score, item.matched_keywords, item.links) for item in ranked
    ]


async def fast(
    workspace: Workspace,
    keywords: list[str],
    location: str | None,
    limit: int = 500,
    filters: PostingFilters = NO_FILTERS,
) -> tuple[int, list[Ranked]]:
    """The ranking the API uses (every status shown, as the rule knows none)."""
    page = await workspace.rank(keywords, location, limit, 0, STATUSES, filters=filters)
    return page.total, [
        (item.posting.id, item.score, item.matched_keywords, item.links) for item in page.items
    ]


def row(number: int, title: str, description: str, **fields: Any) -> dict[str, Any]:
    """A posting on a company board, `fields` overriding."""
    values: dict[str, Any] = {
        "link": BOARDS[0].format(n=number),
        "title": title,
        "company": "Acme",
        "location": "Berlin, Germany",
        "description": description,
        "posted_at": "2026-11-01T09:00:00Z",
    }
    values.update(fields)
    return values


TRICKY_ROWS = [
    row(1, "C++ Engineer", "Modern C++17 and a little C."),
    row(2, "C Developer", "Firmware in C, no C++ here: only C#? No: C."),
    row(3, "Frontend", "JavaScript and TypeScript, not Java.", posted_at=None),
    row(4, "Backend (Java)", "Java 21, Spring; JavaScript for tooling.", posted_at=None),
    row(5, "Platform", "ASP.NET Core and .NET 8; node.js sidecars.", location="Kraków, Poland"),
    row(6, "ML", "Applied machine\n\tlearning,\nmachine-learning ops.", location="KRAKÓW"),
    row(7, "ML two", "machine\u00a0learning in production", location="Warsaw, Poland"),
    row(8, "Greek", "Ιστορία and ι and ᾳ combining", location="Αθήνα"),
    row(9, "Go", "Go, golang, GO!", posted_at="2026-11-01T09:00:00Z"),
    row(10, "Go again", "go go", posted_at="2026-11-01T09:00:00Z"),
    # The same job on three boards: one result, every link listed.
    row(11, "Data Engineer", "Python and SQL.", company="Globex", location="Remote"),
    row(12, "Data Engineer", "Python, SQL and Kafka.", company="Globex", location="Remote")
    | {"link": BOARDS[1].format(n=12), "posted_at": "2026-11-03T09:00:00Z"},
    row(13, "Data Engineer", "Kafka only.", company="Globex", location="Remote")
    | {"link": BOARDS[2].format(n=13)},
]
TRICKY_KEYWORDS = [
    ["C++"],
    ["C"],
    ["C#", ".NET"],
    ["Java"],
    ["JavaScript", "java"],
    ["machine learning"],
    ["node.js", "ASP.NET"],
    ["ι"],
    ["go", "Go", "golang"],
    ["python", "sql", "kafka"],
    ["c++", "c", "java", "machine learning", ".net", "kafka", "go"],
]


@pytest.mark.parametrize("location", [None, "poland", "kraków", "remote", "nowhere"])
async def test_tricky_rankings_equal_the_rule(services: Services, location: str | None) -> None:
    workspace = await new_user(services, "tricky@example.com")
    await store(services, workspace, TRICKY_ROWS)
    for keywords in TRICKY_KEYWORDS:
        assert await fast(workspace, keywords, location) == await by_rule(
            services, workspace, keywords, location
        ), keywords


def days_ago(days: float) -> str:
    """A posting date `days` days before now (half a day off whole days, so a ranking a
    moment later keeps or drops it alike)."""
    return (datetime.now(UTC) - timedelta(days=days, hours=12)).isoformat()


def filtered_rows() -> list[dict[str, Any]]:
    """Postings telling remote, recent and paid ones apart, and a cross-board group."""
    return [
        row(1, "Python Remote", "Python.", location="Remote", posted_at=days_ago(1), salary="€60k"),
        row(2, "Python Berlin", "Python and Django.", posted_at=days_ago(5)),
        row(3, "Django", "Django.", location="Anywhere in Europe", posted_at=days_ago(20))
        | {"salary": "$100k"},
        row(4, "Go", "Go.", location="Berlin (Homeoffice)", posted_at=None, salary=" 50k "),
        row(5, "Python", "Python.", location="Munich", posted_at=days_ago(40)),
        row(6, "Remotely Python", "Python.", location="Remotely, Spain", posted_at=days_ago(2)),
        row(7, "Kotlin", "Kotlin.", location="Work from home, Poland", salary="   "),
        # The same job on two boards: one of them states a salary.
        row(8, "Data", "Python.", company="Globex", location="Remote", posted_at=days_ago(3)),
        row(9, "Data", "Python.", company="Globex", location="Remote", posted_at=days_ago(3))
        | {"link": BOARDS[1].format(n=9), "salary": "€70k"},
    ]


FILTER_CHOICES = [
    PostingFilters(remote=True),
    PostingFilters(posted_within_days=10),
    PostingFilters(has_salary=True),
    PostingFilters(remote=True, posted_within_days=30, has_salary=True),
    PostingFilters(posted_within_days=1),
]


@pytest.mark.parametrize("filters", FILTER_CHOICES)
async def test_filtered_rankings_equal_the_rule(
    services: Services, filters: PostingFilters
) -> None:
    workspace = await new_user(services, "filters@example.com")
    await store(services, workspace, filtered_rows())
    for keywords in ([], ["python"], ["python", "django", "go"]):
        for location in (None, "berlin", "remote"):
            assert await fast(workspace, keywords, location, filters=filters) == await by_rule(
                services, workspace, keywords, location, filters
            ), (keywords, location)


async def test_without_keywords_every_posting_comes_newest_first(services: Services) -> None:
    workspace = await new_user(services, "everything@example.com")
    await store(services, workspace, filtered_rows())
    total, ranked = await fast(workspace, [], None)
    assert (total, ranked) == await by_rule(services, workspace, [], None)
    # One result for the job on two boards; undated postings last.
    assert total == 8
    assert {score for _id, score, _matched, _links in ranked} == {0}
    assert {matched for _id, _score, matched, _links in ranked} == {()}
    assert len(ranked[2][3]) == 2
    by_date = await workspace.rank([], None, 3, 2, sort="date")
    by_score = await workspace.rank([], None, 3, 2)
    assert [item.posting.id for item in by_date.items] == [
        item.posting.id for item in by_score.items
    ]


async def test_a_group_is_one_result_with_every_link(services: Services) -> None:
    workspace = await new_user(services, "groups@example.com")
    await store(services, workspace, TRICKY_ROWS)
    total, ranked = await fast(workspace, ["kafka", "python"], None)
    assert total == 1
    [(_id, score, matched, links)] = ranked
    assert score == 2
    assert matched == ("kafka", "python")
    assert [source for source, _link in links] == ["greenhouse", "lever", "ashby"]


async def test_paging_and_date_order(services: Services) -> None:
    workspace = await new_user(services, "pages@example.com")
    start = datetime(2026, 11, 1, tzinfo=UTC)
    rows = [
        row(
            n,
            f"Job {n}",
            "kotlin" + " swift" * (n % 3),
            posted_at=(start - timedelta(n)).isoformat(),
        )
        for n in range(30)
    ]
    await store(services, workspace, rows)
    _total, everything = await fast(workspace, ["kotlin", "swift"], None)
    pages = []
    for offset in range(0, 30, 7):
        page = await workspace.rank(["kotlin", "swift"], None, 7, offset)
        assert page.total == 30
        pages.extend(item.posting.id for item in page.items)
    assert pages == [item[0] for item in everything]
    by_date = await workspace.rank(["kotlin", "swift"], None, 30, 0, sort="date")
    assert [item.posting.title for item in by_date.items] == [f"Job {n}" for n in range(30)]


async def test_new_postings_are_ranked_at_once(services: Services) -> None:
    workspace = await new_user(services, "grows@example.com")
    await store(services, workspace, TRICKY_ROWS[:5])
    before = await fast(workspace, ["C++", "java"], None)
    assert before == await by_rule(services, workspace, ["C++", "java"], None)
    await store(services, workspace, [row(100, "Later C++", "More C++ and Java")])
    after = await fast(workspace, ["C++", "java"], None)
    assert after == await by_rule(services, workspace, ["C++", "java"], None)
    assert after[0] == before[0] + 1
    assert after[1][0][2] == ("C++", "java")


async def test_a_board_run_meeting_stored_postings_indexes_just_the_new_ones(
    services: Services,
) -> None:
    await check_rerun_indexes_the_new_ones(services)


@pytest.mark.services
async def test_a_board_run_meeting_stored_postings_on_postgresql(
    postgres_services: Services,
) -> None:
    # There the rows go through a staging table by COPY: the stored ones must be skipped,
    # not fail the run, and the index rows copied under the new ids.
    await check_rerun_indexes_the_new_ones(postgres_services)


async def check_rerun_indexes_the_new_ones(services: Services) -> None:
    """A second board run meets two postings stored by the first between two new ones: the
    insert skips those, and each new posting must be found by its own words."""
    workspace = await new_user(services, "reruns@example.com")

    def run(numbers: tuple[int, ...]) -> list[Any]:
        rows = [row(n, f"Engineer {n}", f"Needs skill{n} and teamwork.") for n in numbers]
        return parse_rows(rows).postings

    await services.postings.store_for_user(workspace.user_id, run((1, 3)), shared=True)
    await services.postings.store_for_user(workspace.user_id, run((1, 2, 3, 4)), shared=True)
    for number in (1, 2, 3, 4):
        keywords = [f"skill{number}"]
        found = await fast(workspace, keywords, None)
        assert found == await by_rule(services, workspace, keywords, None)
        assert found[0] == 1
    assert (await fast(workspace, ["teamwork"], None))[0] == 4


async def test_a_held_index_takes_new_postings_in_their_places(
    services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    await check_extensions(services, monkeypatch, [])


async def check_extensions(
    services: Services, monkeypatch: pytest.MonkeyPatch, more: list[dict[str, Any]]
) -> None:
    """New postings go into the held index (not built again) and rankings stay the rule's;
    `more` is a last batch."""
    extensions = []
    extend = RankingIndex.extended

    def counted(index: RankingIndex, *args: Any) -> RankingIndex:
        extensions.append(index.version)
        return extend(index, *args)

    monkeypatch.setattr(RankingIndex, "extended", counted)
    workspace = await new_user(services, "extends@example.com")
    other = await new_user(services, "other-user@example.com")
    keywords = ["C++", "java", "python", "kafka", "machine learning", "rust"]
    rankings = services.workspace_services.rankings
    await store(services, workspace, TRICKY_ROWS[:8])
    # A posting another user stored long ago: linked later, its id is far from the new ones.
    await store(services, other, [row(300, "Old Python job", "Python, C++", posted_at=None)])
    assert await fast(workspace, keywords, None) == await by_rule(
        services, workspace, keywords, None
    )
    await fast(workspace, ["c"], "poland")  # filter sets and locations held too
    batches = [
        # Dated between the held ones, undated (last), newest, and the same jobs as held
        # postings on other boards (joining their groups, one held alone until now).
        [
            row(301, "Mid", "Java and Kafka", posted_at="2026-10-15T09:00:00Z"),
            row(302, "Undated", "machine learning", posted_at=None),
            row(303, "Newest", "C++ and python", posted_at="2026-12-01T09:00:00Z"),
        ],
        [TRICKY_ROWS[11] | {"link": BOARDS[2].format(n=14), "description": "C++ too"}],
        [row(6, "ML", "java", location="KRAKÓW") | {"link": BOARDS[1].format(n=6)}],
        [row(300, "Old Python job", "Python, C++", posted_at=None)],
        [TRICKY_ROWS[12] | {"link": BOARDS[0].format(n=15)}, row(304, "Kafka", "kafka")],
        *([more] if more else []),
    ]
    for batch in batches:
        held = rankings.held(workspace.user_id)
        await store(services, workspace, batch)
        extended = await fast(workspace, keywords, None)
        assert extended == await by_rule(services, workspace, keywords, None)
        assert await fast(workspace, ["c"], "poland") == await by_rule(
            services, workspace, ["c"], "poland"
        )
        index = rankings.held(workspace.user_id)
        assert held is not None
        assert index is not None
        assert index.version > held.version
        assert extensions[-1] == held.version  # extended, not built again
        rankings.clear()
        assert await fast(workspace, keywords, None) == extended  # as built from scratch
        rankings.clear()
        await fast(workspace, keywords, None)
        await fast(workspace, ["c"], "poland")
    assert len(extensions) == len(batches)


def test_new_ids_are_searched_in_few_ranges() -> None:
    assert id_ranges([5]) == [(5, 5)]
    assert id_ranges([9, 3, 1500, 7, 1200]) == [(3, 9), (1200, 1500)]
    scattered = [n * 5000 for n in range(1, 12)]
    assert id_ranges(scattered) == [(5000, 55000)]  # too many ranges: one covers them


async def test_another_process_sees_what_one_stored(
    make_settings: SettingsFactory, services: Services
) -> None:
    reader = await new_user(services, "shared@example.com")
    await store(services, reader, TRICKY_ROWS[:3])
    assert (await fast(reader, ["rust"], None))[0] == 0
    other = await build_services(make_settings(), migrate=False)
    try:
        # The same user, as another API process (or a worker) holds them.
        writer = other.workspace_for(reader.user_id, reader.email)
        await store(other, writer, [row(200, "Rust Engineer", "Rust and C")])
        assert (await fast(writer, ["rust"], None))[0] == 1
    finally:
        await other.aclose()
    assert await fast(reader, ["rust", "c"], None) == await by_rule(
        services, reader, ["rust", "c"], None
    )


async def test_postings_stored_before_the_index_are_found(services: Services) -> None:
    workspace = await new_user(services, "old@example.com")
    await store(services, workspace, TRICKY_ROWS)
    async with services.engine.begin() as connection:
        # As if stored before the index existed: not indexed, nothing in the search table.
        await connection.execute(text("UPDATE postings SET search_indexed = 0"))
        await connection.execute(text("DROP TABLE posting_search"))
        await connection.execute(
            text(
                "CREATE VIRTUAL TABLE posting_search USING fts5(title, body, content='', "
                "columnsize=0, detail=full, tokenize='ascii')"
            )
        )
    services.workspace_services.rankings.clear()
    for keywords in TRICKY_KEYWORDS:
        assert await fast(workspace, keywords, None) == await by_rule(
            services, workspace, keywords, None
        )
    async with services.engine.connect() as connection:
        pending = await connection.execute(
            text("SELECT count(*) FROM postings WHERE NOT search_indexed")
        )
        assert pending.scalar_one() == 0


async def test_postings_stored_by_the_previous_version_are_ranked(
    make_settings: SettingsFactory,
) -> None:
    configured = make_settings()
    configured.ensure_data_dir()
    url = configured.resolved_database_url
    await asyncio.to_thread(upgrade, url, "0004")
    engine = create_engine(sync_url(url))
    stamp = "2026-11-20 08:00:00.000000"
    with engine.begin() as connection:
        # What the previous version stored: no search index, nothing copied to the links.
        connection.execute(
            text(
                "INSERT INTO users (id, email, password_hash, is_active, created_at, "
                "workspace_config) VALUES (7, 'old@example.com', 'x', 1, :at, '{}')"
            ),
            {"at": stamp},
        )
        for number, values in enumerate(TRICKY_ROWS, 1):
            posted = values["posted_at"]
            connection.execute(
                text(
                    "INSERT INTO postings (id, source, external_id, link, title, company, "
                    "location, description, posted_at, created_at, group_id) VALUES (:id, "
                    "'greenhouse', :id, :link, :title, :company, :location, :description, "
                    ":posted, :at, :id)"
                ),
                {
                    **values,
                    "id": number,
                    "at": stamp,
                    "posted": posted
                    and datetime.fromisoformat(posted).strftime("%Y-%m-%d %H:%M:%S.%f"),
                },
            )
            connection.execute(
                text(
                    "INSERT INTO user_postings (user_id, posting_id, query, location, found_at, "
                    "status) VALUES (7, :id, '', '', :at, 'new')"
                ),
                {"id": number, "at": stamp},
            )
    engine.dispose()
    upgraded = await build_services(configured)
    try:
        workspace = upgraded.workspace_for(7, "old@example.com")
        for keywords in TRICKY_KEYWORDS:
            ranked = await fast(workspace, keywords, None)
            assert ranked == await by_rule(upgraded, workspace, keywords, None), keywords
        assert (await fast(workspace, ["C++"], None))[0] == 2
        # The links got their postings' locations when the schema was upgraded.
        for location in ("poland", "KRAKÓW", "remote"):
            ranked = await fast(workspace, ["C++", "java"], location)
            assert ranked == await by_rule(upgraded, workspace, ["C++", "java"], location)
    finally:
        await upgraded.aclose()


# ---- random data --------------------------------------------------------------------------

WORDS = [
    "C", "c++", "C#", ".NET", "ASP.NET", "Java", "JavaScript", "node.js", "Node", "js",
    "machine", "learning", "Go", "golang", "python", "Python3", "x_y", "ι", "İstanbul",
    "ſql", "SQL", "+", "#", ",", "(", ")", "-",
]  # fmt: skip
SEPARATORS = [" ", "\n", "", ", ", "\t", "/", "  "]
KEYWORDS = [*WORDS, "machine learning", "node js", "C +", "asp.net core", "sql ,"]
text_words = st.lists(st.tuples(st.sampled_from(WORDS), st.sampled_from(SEPARATORS)), max_size=8)
random_posting = st.fixed_dictionaries(
    {
        "title": text_words,
        "description": text_words,
        "job": st.integers(0, 3),
        "board": st.integers(0, 2),
        "day": st.one_of(st.none(), st.integers(0, 3)),
        "plain_title": st.booleans(),
        "remote": st.booleans(),
        "paid": st.booleans(),
    }
)
LOCATIONS = ["Kraków, Poland", "Warsaw, Poland", "Berlin", "İzmir"]


def _joined(parts: list[tuple[str, str]]) -> str:
    return "".join(word + separator for word, separator in parts).strip() or "x"


@pytest.fixture
def loop_and_services(
    make_settings: SettingsFactory,
) -> Iterator[tuple[asyncio.AbstractEventLoop, Services]]:
    """An event loop of the test's own (hypothesis drives a synchronous test) and services
    running on it, shared by every example."""
    loop = asyncio.new_event_loop()
    built = loop.run_until_complete(build_services(make_settings()))
    yield loop, built
    loop.run_until_complete(built.aclose())
    loop.close()


EXAMPLES = itertools.count()


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    postings=st.lists(random_posting, min_size=1, max_size=12),
    keywords=st.lists(st.sampled_from(KEYWORDS), min_size=0, max_size=4),
    location=st.sampled_from([None, "poland", "KRAKÓW", "i̇zmir", "berlin"]),
    filters=st.builds(PostingFilters, remote=st.booleans(), has_salary=st.booleans()),
)
def test_random_rankings_equal_the_rule(
    loop_and_services: tuple[asyncio.AbstractEventLoop, Services],
    postings: list[dict[str, Any]],
    keywords: list[str],
    location: str | None,
    filters: PostingFilters,
) -> None:
    loop, built = loop_and_services
    example = next(EXAMPLES)

    async def check() -> None:
        # A user of its own per example; the links are new to the database too.
        workspace = await new_user(built, f"random{example}@example.com")
        rows = []
        for number, drawn in enumerate(postings):
            # Postings of one `job` with its plain title on different boards are one
            # cross-board group (same company, title and city).
            job, day = drawn["job"], drawn["day"]
            title = f"Job {job}" + ("" if drawn["plain_title"] else " " + _joined(drawn["title"]))
            rows.append(
                {
                    "link": BOARDS[drawn["board"]].format(n=f"{example}-{number}"),
                    "title": title,
                    "company": f"Company {example} {job}",
                    "location": LOCATIONS[job] + (" (Remote)" if drawn["remote"] else ""),
                    "description": _joined(drawn["description"]),
                    "posted_at": None if day is None else f"2026-11-0{day + 1}T08:00:00Z",
                    "salary": "€50k" if drawn["paid"] else "",
                }
            )
        await store(built, workspace, rows)
        assert await fast(workspace, keywords, location, filters=filters) == await by_rule(
            built, workspace, keywords, location, filters
        )

    loop.run_until_complete(check())


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    batches=st.lists(st.lists(random_posting, min_size=1, max_size=6), min_size=2, max_size=4),
    relinked=st.lists(st.integers(0, 20), max_size=4),
)
def test_an_index_extended_batch_by_batch_ranks_as_the_rule(
    loop_and_services: tuple[asyncio.AbstractEventLoop, Services],
    batches: list[list[dict[str, Any]]],
    relinked: list[int],
) -> None:
    loop, built = loop_and_services
    example = next(EXAMPLES)
    keywords = ["python", "C", "java", "machine learning"]

    def posting(number: int, drawn: dict[str, Any]) -> dict[str, Any]:
        job, day = drawn["job"], drawn["day"]
        return {
            "link": BOARDS[drawn["board"]].format(n=f"x{example}-{number}"),
            "title": f"Job {job}" + ("" if drawn["plain_title"] else " " + _joined(drawn["title"])),
            "company": f"Company {example} {job}",
            "location": LOCATIONS[job],
            "description": _joined(drawn["description"]),
            "posted_at": None if day is None else f"2026-11-0{day + 1}T08:00:00Z",
        }

    async def check() -> None:
        workspace = await new_user(built, f"batches{example}@example.com")
        other = await new_user(built, f"earlier{example}@example.com")
        rankings = built.workspace_services.rankings
        numbered = [
            posting(number, drawn)
            for number, drawn in enumerate(drawn for batch in batches for drawn in batch)
        ]
        # Postings another user stored first: linked to this one later, with older ids.
        earlier = [numbered[n % len(numbered)] for n in relinked]
        if earlier:
            await store(built, other, earlier)
        start = 0
        for number, batch in enumerate(batches):
            rows = numbered[start : start + len(batch)]
            start += len(batch)
            if number == len(batches) - 1:
                rows += earlier
            held = rankings.held(workspace.user_id)
            await store(built, workspace, rows)
            with patch.object(
                RankingIndex, "extended", autospec=True, side_effect=RankingIndex.extended
            ) as extended:
                ranked = await fast(workspace, keywords, None)
            assert ranked == await by_rule(built, workspace, keywords, None)
            # The held index took the new links (it was not built again).
            assert extended.called == (held is not None)
            rankings.clear()
            assert await fast(workspace, keywords, None) == ranked  # as built from scratch

    loop.run_until_complete(check())


@settings(max_examples=200, deadline=None)
@given(
    highest=st.sampled_from([300, 10**12]),  # ids close together, or spread far apart
    data=st.data(),
)
def test_links_added_to_an_index_take_their_places_as_in_one_built_anew(
    highest: int, data: st.DataObject
) -> None:
    everyone = data.draw(st.lists(st.integers(1, highest), unique=True, max_size=80))
    cut = data.draw(st.integers(0, len(everyone)))
    held, added = everyone[:cut], everyone[cut:]
    # The new postings go anywhere; the held ones keep their order.
    arrival = data.draw(st.permutations([True] * len(held) + [False] * len(added)))
    held_ids, added_ids = iter(held), iter(added)
    now = [next(held_ids) if was_held else next(added_ids) for was_held in arrival]
    # Some held ones were linked after the index's version too (while it was being read).
    late = set(data.draw(st.lists(st.sampled_from(held), unique=True))) if held else set()
    # An added one may be the same job as a held one (filed under its group).
    groups = {posting_id: data.draw(st.sampled_from([posting_id, *held])) for posting_id in added}
    previous = RankingIndex.build(1, ranking_order(held))
    since = [n for n, posting_id in enumerate(now) if posting_id in late or posting_id in added]
    links = AddedLinks(
        ids=np.asarray([now[n] for n in since], dtype=np.int64),
        groups=np.asarray([groups.get(now[n], now[n]) for n in since], dtype=np.int64),
        before=np.asarray([now[n - 1] if n else 0 for n in since], dtype=np.int64),
    )
    placed = previous.with_added(links)
    assert placed is not None
    order, places = placed
    assert order.ids.tolist() == now
    assert [now[place] for place in places] == held
    filed = [posting_id for posting_id in now if groups.get(posting_id, posting_id) != posting_id]
    assert order.filed.tolist() == filed
    assert order.filed_groups.tolist() == [groups[posting_id] for posting_id in filed]
    extended = previous.extended(2, order, places, {})
    probes = [*everyone, 0, highest + 1]
    assert extended.lookup(probes).tolist() == [
        now.index(posting_id) if posting_id in now else -1 for posting_id in probes
    ]
    # An index missing the posting just before an added one cannot take the links.
    missing = {now[n - 1] for n in since if n and now[n - 1] in held and now[n - 1] not in late}
    if missing:
        gone = data.draw(st.sampled_from(sorted(missing)))
        partial = RankingIndex.build(1, ranking_order([n for n in held if n != gone]))
        assert partial.with_added(links) is None


def ranking_order(posting_ids: list[int]) -> RankingOrder:
    """These postings in this order, each alone in its group."""
    none = np.zeros(0, dtype=np.int64)
    return RankingOrder(np.asarray(posting_ids, dtype=np.int64), none, none)


# ---- PostgreSQL ---------------------------------------------------------------------------


@pytest.mark.services
async def test_tricky_rankings_equal_the_rule_on_postgresql(postgres_services: Services) -> None:
    workspace = await new_user(postgres_services, "pg@example.com")
    long_text = " ".join(["Rust, C and C++;"] * 400) + " then machine learning."
    rows = [*TRICKY_ROWS, row(300, "Very long", long_text)]
    await store(postgres_services, workspace, rows)
    for location in (None, "poland"):
        for keywords in [*TRICKY_KEYWORDS, ["machine learning", "rust"]]:
            assert await fast(workspace, keywords, location) == await by_rule(
                postgres_services, workspace, keywords, location
            ), keywords
    async with postgres_services.engine.connect() as connection:
        # The long one holds a token more than 256 times: matched by the rule itself.
        inexact = await connection.execute(
            text("SELECT count(*) FROM posting_search WHERE NOT exact")
        )
        assert inexact.scalar_one() == 1


@pytest.mark.services
async def test_an_imports_binary_tsvectors_equal_the_text_ones_on_postgresql(
    postgres_services: Services,
) -> None:
    # An import copies each tsvector in binary form; the backfill sends it as text. Both
    # must store the same lexemes and positions, over PostgreSQL's limits too.
    workspace = await new_user(postgres_services, "binary@example.com")
    past_the_last_position = " ".join(f"w{n % 3000}" for n in range(17_000))
    rows = [
        *TRICKY_ROWS,
        row(300, "Many repeats", " ".join(["Rust, C and C++;"] * 400)),
        row(301, "Too long", past_the_last_position),
        row(302, "No description", ""),
    ]
    await store(postgres_services, workspace, rows)
    async with postgres_services.engine.connect() as connection:
        stored = await connection.execute(
            text(
                "SELECT p.title, p.description, s.terms::text, s.exact "
                "FROM posting_search s JOIN postings p ON p.id = s.posting_id"
            )
        )
        found = stored.all()
        assert len(found) == len(rows)
        for title, description, terms, exact in found:
            expected = encode_for_index(title, description, postgresql=True)
            as_text = await connection.execute(
                text("SELECT CAST(:terms AS tsvector)::text"), {"terms": expected["terms"]}
            )
            assert terms == as_text.scalar_one(), title
            assert exact == expected["exact"], title


@pytest.mark.services
async def test_a_held_index_takes_new_postings_on_postgresql(
    postgres_services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    long_text = " ".join(["Rust, C and C++;"] * 400) + " then machine learning."
    # The last batch holds a posting the index has only approximately.
    await check_extensions(postgres_services, monkeypatch, [row(400, "Very long", long_text)])


@pytest.mark.services
async def test_concurrent_ingests_reach_a_held_index_on_postgresql(
    postgres_services: Services,
) -> None:
    workspace = await new_user(postgres_services, "concurrent@example.com")
    keywords = ["C++", "java", "python", "kafka"]
    await store(postgres_services, workspace, TRICKY_ROWS)
    before, _ranked = await fast(workspace, keywords, None)
    held = postgres_services.workspace_services.rankings.held(workspace.user_id)
    assert held is not None
    # Six runs store at once, interleaved in dates with the held postings and each
    # other; each links in a transaction of its own.
    batches = [
        [
            row(
                500 + 10 * run + n,
                f"Run {run} job {n}",
                ["Java and Kafka", "C++, python", "kafka"][n % 3],
                posted_at=f"2026-1{n % 2}-0{run + 1}T09:00:00Z" if n else None,
            )
            for n in range(4)
        ]
        for run in range(6)
    ]
    await asyncio.gather(*(store(postgres_services, workspace, batch) for batch in batches))
    state = await postgres_services.workspace_services.tracking.state(workspace.user_id)
    assert state.postings_version == held.version + len(batches)
    with patch.object(
        RankingIndex, "extended", autospec=True, side_effect=RankingIndex.extended
    ) as extended:
        ranked = await fast(workspace, keywords, None)
    assert extended.called
    assert ranked == await by_rule(postgres_services, workspace, keywords, None)
    assert ranked[0] == before + 24  # every new posting matches a keyword


async def test_the_postings_version_moves_once_per_store_that_links_something(
    services: Services,
) -> None:
    workspace = await new_user(services, "version@example.com")
    tracking = services.workspace_services.tracking
    await store(services, workspace, TRICKY_ROWS[:5])
    first = (await tracking.state(workspace.user_id)).postings_version

    # Only postings the user has: their ranking index stays as it is.
    await store(services, workspace, TRICKY_ROWS[:5])
    stored = await services.postings.for_user(workspace.user_id)
    await services.postings.link_for_user(workspace.user_id, [posting.id for posting in stored])
    assert (await tracking.state(workspace.user_id)).postings_version == first

    # Two new ones among those: one move, and the held index takes just those two.
    held = await fast(workspace, ["C++"], None)
    await store(
        services, workspace, [*TRICKY_ROWS[:5], row(200, "New", "C++ daily"), row(201, "New", "Go")]
    )
    assert (await tracking.state(workspace.user_id)).postings_version == first + 1
    after = await fast(workspace, ["C++"], None)
    assert after == await by_rule(services, workspace, ["C++"], None)
    assert after[0] == held[0] + 1
