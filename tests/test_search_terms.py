"""The search index's encoding answers exactly what the ranking rule (regex) answers.

First on its own terms (a keyword matches when its tokens are consecutive in a field's
tokens), then through SQLite's real FTS5 table as the migrations create it.
"""

# ruff: noqa: RUF001 -- look-alike letters (dotless i, long s, Greek) are the point here
from __future__ import annotations

import itertools
import re
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dreamjobsearch.domain.ranking import keyword_pattern, normalize_keywords
from dreamjobsearch.storage.index_rows import encode_for_index
from dreamjobsearch.storage.migrate import upgrade
from dreamjobsearch.storage.search_index import fts5_query
from dreamjobsearch.storage.search_terms import (
    fold,
    fold_char,
    keyword_tokens,
    needs_regex,
    text_tokens,
)

# Word characters, the symbols the rule treats specially, every kind of white space, and
# letters whose case folding is unusual (dotted and dotless i, long s, Kelvin sign, sharp
# s, final sigma, iota with its combining form, a decomposed accent).
TRICKY = "abcCjJ_19+#.-/ \n\t\u00a0\u2028İıiIſsSKkßẞΣσςιͅΙé\u0301ł"
tricky_text = st.text(alphabet=TRICKY, max_size=40)
tricky_keyword = st.text(alphabet=TRICKY, min_size=1, max_size=8)


def _phrase_in(tokens: list[str], phrase: list[str]) -> bool:
    width = len(phrase)
    return any(tokens[start : start + width] == phrase for start in range(len(tokens) - width + 1))


def index_says(keyword: str, text: str) -> bool:
    """Whether the keyword's phrase (either first token) occurs in the text's tokens."""
    wanted = keyword_tokens(keyword)
    tokens = text_tokens(text)
    return any(_phrase_in(tokens, [first, *wanted.rest]) for first in wanted.first)


def rule_says(keyword: str, text: str) -> bool:
    """What ranking.py decides."""
    return keyword_pattern(keyword).search(text) is not None


def cleaned(keyword: str) -> str | None:
    """The keyword as a ranking takes it, or None when the index does not answer it."""
    normalized = normalize_keywords([keyword])
    if not normalized or needs_regex(normalized[0]):
        return None
    return normalized[0]


@settings(max_examples=1500, suppress_health_check=[HealthCheck.too_slow])
@given(keyword=tricky_keyword, text=tricky_text)
def test_tokens_agree_with_the_rule_on_tricky_text(keyword: str, text: str) -> None:
    word = cleaned(keyword)
    if word is not None:
        assert index_says(word, text) == rule_says(word, text)


@settings(max_examples=1500, suppress_health_check=[HealthCheck.too_slow])
@given(keyword=tricky_keyword, before=tricky_text, after=tricky_text, upper=st.booleans())
def test_tokens_agree_with_the_rule_around_the_keyword(
    keyword: str, before: str, after: str, upper: bool
) -> None:
    word = cleaned(keyword)
    if word is not None:
        text = before + (word.upper() if upper else word) + after
        assert index_says(word, text) == rule_says(word, text)


@settings(max_examples=1000)
@given(keyword=st.text(min_size=1, max_size=6), text=st.text(max_size=40))
def test_tokens_agree_with_the_rule_on_any_unicode(keyword: str, text: str) -> None:
    word = cleaned(keyword)
    if word is not None:
        assert index_says(word, text) == rule_says(word, text)


@pytest.mark.parametrize(
    ("keyword", "text", "expected"),
    [
        ("C++", "modern C++17", True),
        ("C", "modern C++17", False),
        ("C", "C and Rust", True),
        ("C", "C #", True),
        ("C#", "C# on .NET", True),
        ("Java", "JavaScript", False),
        (".NET", "ASP.NET Core", True),
        (".NET", "a .network", False),
        ("node.js", "Node.JS, daily", True),
        ("node.js", "mynode.js", False),
        ("machine learning", "machine\n  learning", True),
        ("machine learning", "machine-learning", False),
        ("CI/CD", "CI/CD pipelines", True),
        ("ſtack", "STACK", True),
        ("istanbul", "İSTANBUL", True),
    ],
)
def test_known_cases(keyword: str, text: str, expected: bool) -> None:
    assert rule_says(keyword, text) is expected
    assert index_says(keyword, text) is expected


def test_folding_is_what_re_ignorecase_compares() -> None:
    for code in range(0x3000):
        char = chr(code)
        folded = fold_char(char)
        assert fold_char(folded) == folded
        assert re.fullmatch(re.escape(char), folded, re.IGNORECASE), hex(code)
    assert fold("ŁÓDŹ Straße") == fold("łódź STRASSE".replace("SS", "ß"))


def test_only_the_iota_class_needs_the_regex() -> None:
    assert needs_regex("ι")
    assert needs_regex("Ι")
    assert needs_regex("a\u0345")
    assert not needs_regex("python")
    assert not needs_regex("łódź")


def test_tokens_are_plain_ascii() -> None:
    tokens = text_tokens("Zürich: C++/C#, .NET & ASP.NET — «machine» learning " + "x" * 200)
    assert all(re.fullmatch(r"[a-z0-9]+", token) for token in tokens)


# ---- through SQLite's FTS5, as the migrations create it ------------------------------------


@pytest.fixture(scope="module")
def fts(tmp_path_factory: pytest.TempPathFactory) -> Iterator[sqlite3.Connection]:
    """A migrated database's search index, opened directly."""
    path: Path = tmp_path_factory.mktemp("fts") / "search.db"
    upgrade(f"sqlite:///{path}")
    connection = sqlite3.connect(path)
    yield connection
    connection.close()


_ROWIDS = itertools.count(1, 100)


def fts_matches(connection: sqlite3.Connection, keyword: str, texts: list[str]) -> set[int]:
    """Which of `texts` (as descriptions, numbered from 1) the index finds for `keyword`."""
    # A contentless FTS5 table cannot be emptied: each call uses rowids of its own.
    base = next(_ROWIDS)
    rows = [
        {**encode_for_index("", text, postgresql=False), "id": base + number}
        for number, text in enumerate(texts)
    ]
    connection.executemany(
        "INSERT INTO posting_search (rowid, title, body) VALUES (:id, :title, :body)", rows
    )
    found = connection.execute(
        "SELECT rowid FROM posting_search WHERE posting_search MATCH ? AND rowid >= ?",
        (fts5_query(keyword_tokens(keyword)), base),
    )
    return {row[0] - base + 1 for row in found}


@settings(max_examples=300, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(keyword=tricky_keyword, texts=st.lists(tricky_text, min_size=1, max_size=6))
def test_fts5_agrees_with_the_rule(fts: sqlite3.Connection, keyword: str, texts: list[str]) -> None:
    word = cleaned(keyword)
    if word is None:
        return
    texts = [*texts, f"({word.upper()})"]
    expected = {number for number, text in enumerate(texts, 1) if rule_says(word, text)}
    assert fts_matches(fts, word, texts) == expected
