"""The description hash that recognises one job on several boards."""

from __future__ import annotations

import hashlib
import re

from hypothesis import given
from hypothesis import strategies as st

from dreamjobsearch.dedupe import MIN_DESCRIPTION_CHARS, description_hash, hash_of_words
from dreamjobsearch.storage.postings import _GroupIndex
from dreamjobsearch.storage.search_terms import (
    _ChunkCache,
    text_tokens,
    token_text,
    token_text_and_words,
    tokens_and_words,
)


def hash_as_first_stored(description: str) -> str | None:
    """The hash as postings already in databases hold it: punctuation runs to spaces,
    spaces collapsed, case folded."""
    words = re.sub(r"\s+", " ", re.sub(r"[^\w\s]+", " ", description.casefold())).strip()
    if len(words) < MIN_DESCRIPTION_CHARS:
        return None
    return hashlib.sha256(words.encode()).hexdigest()


@given(st.text(min_size=0, max_size=400))
def test_the_hash_matches_the_one_stored_before(description: str) -> None:
    # Any text, and any text long enough to be hashed.
    assert description_hash(description) == hash_as_first_stored(description)
    padded = description + " Ünïcode, ß & C++/C# — words.\t\u2028" * 10
    assert description_hash(padded) == hash_as_first_stored(padded)


@given(st.text(min_size=0, max_size=400))
def test_an_import_hashes_the_same_words_while_tokenising(description: str) -> None:
    # An import takes the hash's words from the index tokeniser's pass over each chunk.
    padded = description + " Ünïcode, ß & C++/C# — words.\t\u2028\u00a0" * 10
    for text in (description, padded):
        tokens, words = tokens_and_words(text)
        assert hash_of_words(words) == hash_as_first_stored(text)
        assert tokens == text_tokens(text)
        # SQLite's index takes the tokens as one text: the same tokens, the same words.
        assert token_text_and_words(text) == (" ".join(tokens), words)
        assert token_text(text) == " ".join(tokens)


def test_case_and_punctuation_do_not_change_the_hash() -> None:
    text = "We build data pipelines in Python; you will own them end to end. " * 5
    assert description_hash(text) is not None
    assert description_hash(text.upper().replace(";", " -- ")) == description_hash(text)


# Members of known groups: (board, job key, description hash, group).
_members = st.lists(
    st.tuples(
        st.sampled_from(["linkedin", "greenhouse", "lever"]),
        st.sampled_from([None, "k1", "k2"]),
        st.sampled_from([None, "d1", "d2"]),
        st.integers(min_value=1, max_value=30),
    ),
    max_size=40,
)


@given(
    _members,
    st.sampled_from(["linkedin", "greenhouse", "lever"]),
    st.sampled_from([None, "k1", "k2"]),
    st.sampled_from([None, "d1", "d2"]),
)
def test_a_new_posting_joins_the_lowest_group_of_its_job_on_another_board(
    members: list[tuple[str, str | None, str | None, int]],
    source: str,
    key: str | None,
    digest: str | None,
) -> None:
    index = _GroupIndex()
    for member in members:
        index.add(*member)
    same_job_elsewhere = [
        group
        for member_source, member_key, member_digest, group in members
        if member_source != source
        and ((key and member_key == key) or (digest and member_digest == digest))
    ]
    assert index.find(source, key, digest) == min(same_job_elsewhere, default=None)


def test_the_chunk_cache_stays_bounded_and_right_when_full() -> None:
    cache = _ChunkCache(str.upper, limit=3)
    chunks = [f"chunk{number % 5}" for number in range(20)]
    assert [cache[chunk] for chunk in chunks] == [chunk.upper() for chunk in chunks]
    assert len(cache) <= 3
