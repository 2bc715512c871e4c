"""Ranking your postings by keywords: matching rules, scores, order, location, paging."""

from __future__ import annotations

import string
from datetime import UTC, datetime, timedelta

import httpx
from hypothesis import given
from hypothesis import strategies as st
from ranking_support import RANK, posting, rank_page, titles, user_with
from support import bearer, register

from dreamjobsearch.domain.postings import StoredPosting
from dreamjobsearch.domain.ranking import (
    keyword_pattern,
    matched_keywords,
    normalize_keywords,
    rank,
)

RESULT_FIELDS = {
    "id",
    "score",
    "matched_keywords",
    "link",
    "job_title",
    "job_company",
    "job_location",
    "salary",
    "employment_type",
    "seniority_level",
    "posted_at",
    "source",
    "links",
    "found_at",
    "status",
    "note",
    "is_new",
}


SYMBOL_POSTINGS = [
    posting("Posting cpp", "Our engine is modern C++17, with some Python tooling."),
    posting("Posting csharp", "Services in C# on .NET 8."),
    posting("Posting aspnet", "Web APIs with ASP.NET Core."),
    posting("Posting node", "Backend in Node.js with TypeScript."),
    posting("Posting javascript", "Frontend in JavaScript and React."),
    posting("Posting java", "Backend in Java 21 (Spring Boot)."),
    posting("Posting c", "Firmware in C and Rust for microcontrollers."),
    posting("Posting ml", "You will apply machine\nlearning to logistics."),
    posting("Posting ml spaces", "Deep learning and machine   learning, daily."),
    posting("Posting unrelated", "Spreadsheets and coffee."),
]


KEYWORD_CASES: list[tuple[str, set[str]]] = [
    ("C++", {"Posting cpp"}),
    ("c++", {"Posting cpp"}),
    ("C#", {"Posting csharp"}),
    ("c#", {"Posting csharp"}),
    (".NET", {"Posting csharp", "Posting aspnet"}),
    (".net", {"Posting csharp", "Posting aspnet"}),
    ("ASP.NET", {"Posting aspnet"}),
    ("node.js", {"Posting node"}),
    ("NODE.JS", {"Posting node"}),
    ("Java", {"Posting java"}),
    ("JavaScript", {"Posting javascript"}),
    ("C", {"Posting c"}),
    ("machine learning", {"Posting ml", "Posting ml spaces"}),
    ("MACHINE LEARNING", {"Posting ml", "Posting ml spaces"}),
    ("  machine    learning ", {"Posting ml", "Posting ml spaces"}),
    ("python", {"Posting cpp"}),
    ("Pyth", set()),
    ("script", set()),
    ("ASP", {"Posting aspnet"}),
    ("posting", {row["title"] for row in SYMBOL_POSTINGS}),
]


async def test_keyword_matching_rules(client: httpx.AsyncClient) -> None:
    headers = await user_with(client, SYMBOL_POSTINGS)
    wrong = {}
    for keyword, expected in KEYWORD_CASES:
        found = set(await titles(client, headers, [keyword]))
        if found != expected:
            wrong[keyword] = {"expected": expected, "found": found}
    assert wrong == {}


async def test_keyword_in_title_matches(client: httpx.AsyncClient) -> None:
    headers = await user_with(
        client, [posting("Senior Rust Engineer", "Nothing else here."), posting("Other", "x")]
    )
    assert await titles(client, headers, ["rust"]) == ["Senior Rust Engineer"]


async def test_phrase_does_not_span_title_and_description(client: httpx.AsyncClient) -> None:
    # "machine" ends the title and "learning" starts the description: not the phrase.
    headers = await user_with(
        client, [posting("Operator of the machine", "Learning on the job is encouraged.")]
    )
    assert await titles(client, headers, ["machine learning"]) == []
    assert await titles(client, headers, ["machine", "learning"]) == ["Operator of the machine"]


async def test_score_counts_distinct_keywords(client: httpx.AsyncClient) -> None:
    headers = await user_with(
        client,
        [
            posting("Python Django Developer", "Django, Django, PostgreSQL and more Django."),
            posting("Python Scripter", "Automation scripts."),
            posting("Barista", "Coffee."),
        ],
    )
    body = await rank_page(
        client, headers, ["Python", "python", "PYTHON ", "Django", "PostgreSQL", "Kotlin"]
    )
    assert body["total"] == 2
    first, second = body["job_postings"]
    assert first["job_title"] == "Python Django Developer"
    assert first["score"] == 3
    assert first["matched_keywords"] == ["Python", "Django", "PostgreSQL"]
    assert second["job_title"] == "Python Scripter"
    assert second["score"] == 1
    assert second["matched_keywords"] == ["Python"]


async def test_order_is_score_then_newest_with_undated_last(client: httpx.AsyncClient) -> None:
    rows = [
        posting("One old", "alpha", posted_at="2026-09-01T00:00:00Z"),
        posting("One undated", "alpha", posted_at=None),
        posting("One newest", "alpha", posted_at="2026-11-15T00:00:00Z"),
        posting("Two undated", "alpha beta", posted_at=None),
        posting("Two old", "alpha beta", posted_at="2026-08-01T00:00:00Z"),
        posting("One middle", "beta", posted_at="2026-10-01T12:00:00+02:00"),
        posting("Three", "alpha beta gamma", posted_at="2020-01-01T00:00:00Z"),
        posting("None", "delta"),
    ]
    headers = await user_with(client, rows)
    body = await rank_page(client, headers, ["alpha", "beta", "gamma"])
    assert [(item["job_title"], item["score"]) for item in body["job_postings"]] == [
        ("Three", 3),
        ("Two old", 2),
        ("Two undated", 2),
        ("One newest", 1),
        ("One middle", 1),
        ("One old", 1),
        ("One undated", 1),
    ]
    assert body["total"] == 7
    undated = body["job_postings"][2]
    assert undated["posted_at"] is None


async def test_location_filter_is_case_insensitive_substring(client: httpx.AsyncClient) -> None:
    rows = [
        posting("Warsaw job", "python", location="Warsaw, Masovian, Poland"),
        posting("Krakow job", "python", location="KRAKÓW, Lesser Poland, Poland"),
        posting("Berlin job", "python", location="Berlin, Germany"),
        posting("Remote job", "python", location=""),
        posting("Zurich job", "python", location="Zürich, Switzerland"),
    ]
    headers = await user_with(client, rows)
    assert set(await titles(client, headers, ["python"], location="poland")) == {
        "Warsaw job",
        "Krakow job",
    }
    assert await titles(client, headers, ["python"], location="kraków") == ["Krakow job"]
    assert await titles(client, headers, ["python"], location="ZÜRICH") == ["Zurich job"]
    assert await titles(client, headers, ["python"], location="  germany ") == ["Berlin job"]
    assert await titles(client, headers, ["python"], location="Lisbon") == []
    # A blank location does not filter.
    assert len(await titles(client, headers, ["python"], location="   ")) == 5
    assert len(await titles(client, headers, ["python"], location=None)) == 5
    body = await rank_page(client, headers, ["python"], location="POLAND", limit=1)
    assert body["total"] == 2
    assert len(body["job_postings"]) == 1


async def test_paging(client: httpx.AsyncClient) -> None:
    start = datetime(2026, 11, 1, tzinfo=UTC)
    rows = [
        posting(f"Paged {n}", "kotlin", posted_at=(start - timedelta(days=n)).isoformat())
        for n in range(7)
    ]
    rows.append(posting("Not paged", "swift"))
    headers = await user_with(client, rows)
    everything = await titles(client, headers, ["kotlin"])
    assert everything == [f"Paged {n}" for n in range(7)]
    pages = []
    for offset in (0, 3, 6):
        body = await rank_page(client, headers, ["kotlin"], limit=3, offset=offset)
        assert body["total"] == 7
        pages.extend(item["job_title"] for item in body["job_postings"])
    assert pages == everything
    beyond = await rank_page(client, headers, ["kotlin"], limit=3, offset=50)
    assert beyond == {"total": 7, "job_postings": []}


async def test_result_fields(client: httpx.AsyncClient) -> None:
    row = posting(
        "Platform Engineer",
        "Kubernetes and Terraform.",
        link="https://boards.greenhouse.io/acme/jobs/2256364",
        company="Acme",
        location="Amsterdam, North Holland, Netherlands",
        posted_at="2026-11-03T10:30:00Z",
    )
    headers = await user_with(client, [row])
    body = await rank_page(client, headers, ["terraform", "Kubernetes"])
    [item] = body["job_postings"]
    assert set(item) == RESULT_FIELDS
    assert isinstance(item["id"], int)
    assert item["score"] == 2
    assert item["matched_keywords"] == ["terraform", "Kubernetes"]
    assert item["link"] == row["link"]
    assert item["job_title"] == "Platform Engineer"
    assert item["job_company"] == "Acme"
    assert item["job_location"] == "Amsterdam, North Holland, Netherlands"
    # Not in the row: empty, not missing.
    assert (item["salary"], item["employment_type"], item["seniority_level"]) == ("", "", "")
    assert datetime.fromisoformat(item["posted_at"]) == datetime(2026, 11, 3, 10, 30, tzinfo=UTC)
    assert item["source"] == "greenhouse"
    assert item["links"] == [{"source": "greenhouse", "link": row["link"]}]
    assert item["status"] == "new"
    assert item["note"] == ""
    assert item["is_new"] is True
    assert datetime.fromisoformat(item["found_at"]) <= datetime.now(UTC)


async def test_bad_rank_requests(client: httpx.AsyncClient) -> None:
    headers = await user_with(client, [posting("Anything", "python")])
    for extra in (
        {"limit": 0},
        {"limit": 501},
        {"offset": -1},
        {"sort": "relevance"},
        {"statuses": ["done"]},
        {"statuses": []},
        {"posted_within_days": 0},
        {"posted_within_days": 3651},
        {"posted_within_days": "soon"},
        {"remote": "maybe"},
        {"has_salary": [1]},
    ):
        response = await client.post(RANK, json={"keywords": ["python"], **extra}, headers=headers)
        assert response.status_code == 422, extra

    too_long = await client.post(RANK, json={"keywords": ["x" * 201]}, headers=headers)
    assert too_long.status_code in (400, 422)

    unauthenticated = await client.post(RANK, json={"keywords": ["python"]})
    assert unauthenticated.status_code == 401


async def test_without_keywords_every_active_posting_comes_newest_first(
    client: httpx.AsyncClient,
) -> None:
    rows = [
        posting("Older", "python", posted_at="2026-09-01T00:00:00Z"),
        posting("Undated", "cobol", posted_at=None),
        posting("Newest", "", posted_at="2026-11-15T00:00:00Z"),
        posting("Done with", "python", posted_at="2026-11-20T00:00:00Z"),
    ]
    headers = await user_with(client, rows)
    done = (await rank_page(client, headers, ["with"]))["job_postings"][0]["id"]
    archived = await client.patch(f"{RANK}/{done}", json={"status": "archived"}, headers=headers)
    assert archived.status_code == 200
    for body in ({}, {"keywords": []}, {"keywords": ["", "   ", "\n"]}):
        response = await client.post(RANK, json=body, headers=headers)
        assert response.status_code == 200, response.text
        found = response.json()
        assert found["total"] == 3
        assert [item["job_title"] for item in found["job_postings"]] == [
            "Newest",
            "Older",
            "Undated",
        ]
        assert {item["score"] for item in found["job_postings"]} == {0}
        assert all(item["matched_keywords"] == [] for item in found["job_postings"])
        assert all(item["is_new"] for item in found["job_postings"])
    paged = await rank_page(client, headers, [], limit=1, offset=1, sort="date")
    assert [item["job_title"] for item in paged["job_postings"]] == ["Older"]


def days_ago(days: int) -> str:
    """A posting date `days` days and half a day ago."""
    return (datetime.now(UTC) - timedelta(days=days, hours=12)).isoformat()


async def test_remote_recent_and_paid_filters(client: httpx.AsyncClient) -> None:
    rows = [
        posting(
            "Remote paid", "python", location="Remote", salary="€70,000", posted_at=days_ago(2)
        ),
        posting("Homeoffice", "python", location="Berlin (Homeoffice)", posted_at=days_ago(10)),
        posting("Anywhere", "python", location="Anywhere", posted_at=None),
        posting(
            "Office paid", "python", location="Remotestadt", salary="$90k", posted_at=days_ago(1)
        ),
        posting("Office old", "python", location="Munich", posted_at=days_ago(60)),
    ]
    headers = await user_with(client, rows)
    assert await titles(client, headers, ["python"], remote=True) == [
        "Remote paid",
        "Homeoffice",
        "Anywhere",
    ]
    assert await titles(client, headers, [], posted_within_days=7) == ["Office paid", "Remote paid"]
    assert await titles(client, headers, ["python"], posted_within_days=30) == [
        "Office paid",
        "Remote paid",
        "Homeoffice",
    ]
    assert await titles(client, headers, [], has_salary=True) == ["Office paid", "Remote paid"]
    assert await titles(
        client, headers, ["python"], remote=True, has_salary=True, posted_within_days=7
    ) == ["Remote paid"]
    body = await rank_page(client, headers, [], has_salary=True)
    assert [item["salary"] for item in body["job_postings"]] == ["$90k", "€70,000"]


async def test_users_only_see_their_own_postings(client: httpx.AsyncClient) -> None:
    alice = await user_with(
        client, [posting("Alice's Haskell job", "haskell")], email="alice@example.com"
    )
    bob = await user_with(client, [posting("Bob's OCaml job", "ocaml")], email="bob@example.com")
    assert await rank_page(client, bob, ["haskell"]) == {"total": 0, "job_postings": []}
    assert await titles(client, bob, ["haskell", "ocaml"]) == ["Bob's OCaml job"]
    assert await titles(client, alice, ["haskell", "ocaml"]) == ["Alice's Haskell job"]


async def test_a_new_user_ranks_nothing(client: httpx.AsyncClient) -> None:
    headers = bearer(await register(client, "empty@example.com"))
    assert await rank_page(client, headers, ["python"]) == {"total": 0, "job_postings": []}


# ---- unit level: the matcher itself ----------------------------------------------------------


def test_normalize_keywords() -> None:
    assert normalize_keywords(["Python", " python ", "", "  ", "machine   learning", "PYTHON"]) == [
        "Python",
        "machine learning",
    ]


WORD_CHARS = string.ascii_letters + string.digits
SYMBOLS = "+#.-/"
keyword_words = st.text(alphabet=WORD_CHARS + SYMBOLS, min_size=1, max_size=8)
keywords_st = st.lists(keyword_words, min_size=1, max_size=3).map(" ".join)
word_keywords = st.lists(
    st.text(alphabet=WORD_CHARS, min_size=1, max_size=8), min_size=1, max_size=3
).map(" ".join)
free_text = st.text(max_size=60)


@given(before=free_text, keyword=keywords_st, after=free_text)
def test_keyword_between_spaces_always_matches(before: str, keyword: str, after: str) -> None:
    text = f"{before} {keyword} {after}"
    assert keyword_pattern(keyword).search(text)
    assert matched_keywords([keyword], "", text) == (keyword,)
    assert matched_keywords([keyword], text, "") == (keyword,)


@given(keyword=keywords_st, before=free_text, after=free_text)
def test_keyword_matches_in_any_case(keyword: str, before: str, after: str) -> None:
    assert matched_keywords([keyword], f"{before}\n{keyword.upper()}\n{after}", "")
    assert matched_keywords([keyword], "", f"{before}\t{keyword.lower()}.{after}")


@given(
    words=st.lists(st.text(alphabet=WORD_CHARS, min_size=1, max_size=8), min_size=2, max_size=4),
    separators=st.lists(st.sampled_from([" ", "  ", "\n", "\t", " \n "]), min_size=3, max_size=3),
)
def test_phrase_matches_across_any_white_space(words: list[str], separators: list[str]) -> None:
    text = words[0]
    for index, word in enumerate(words[1:]):
        text += separators[index] + word
    assert matched_keywords([" ".join(words)], "", f"({text})") == (" ".join(words),)


@given(
    keyword=word_keywords,
    glue=st.sampled_from(string.ascii_letters + string.digits + "_"),
    side=st.sampled_from(["before", "after", "both"]),
)
def test_keyword_glued_to_a_word_character_never_matches(
    keyword: str, glue: str, side: str
) -> None:
    text = {
        "before": glue + keyword,
        "after": keyword + glue,
        "both": glue + keyword + glue,
    }[side]
    assert matched_keywords([keyword], text, "") == ()
    assert matched_keywords([keyword], "", f"({text}), [{text}]") == ()


@given(keyword=word_keywords, symbol=st.sampled_from(["+", "++", "#"]))
def test_word_keyword_does_not_match_inside_a_longer_token(keyword: str, symbol: str) -> None:
    # `C` is not `C++` nor `C#`.
    assert matched_keywords([keyword], f"({keyword}{symbol}) / {keyword}{symbol}.", "") == ()


def _stored(number: int, title: str, description: str) -> StoredPosting:
    now = datetime(2026, 11, 20, tzinfo=UTC)
    return StoredPosting(
        id=number,
        source="import",
        external_id=str(number),
        link=f"https://careers.example.com/jobs/{number}",
        title=title,
        company="",
        location="",
        description=description,
        posted_at=None,
        found_at=now,
        group_id=number,
    )


@given(
    keywords=st.lists(keywords_st, min_size=1, max_size=6),
    texts=st.lists(st.tuples(free_text, free_text), min_size=1, max_size=5),
)
def test_score_never_exceeds_the_keyword_count(
    keywords: list[str], texts: list[tuple[str, str]]
) -> None:
    cleaned = normalize_keywords(keywords)
    postings = [_stored(n, title, text) for n, (title, text) in enumerate(texts)]
    # Put every keyword into the first posting so at least it scores the maximum.
    postings[0] = _stored(0, " ".join(cleaned), " ".join(keywords))
    ranked = rank(postings, cleaned)
    assert ranked
    assert ranked[0].score == len(cleaned)
    for item in ranked:
        assert 0 < item.score <= len(cleaned)
        assert item.score == len(item.matched_keywords) == len(set(item.matched_keywords))
        assert set(item.matched_keywords) <= set(cleaned)
    scores = [item.score for item in ranked]
    assert scores == sorted(scores, reverse=True)
