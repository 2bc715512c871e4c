"""Postings made ready to store: their rows, dedupe hashes and search index rows.

Pure CPU work (hashing, tokenising), no database: a board run does it in a thread, and an
import of a large file in a reader process (`dreamjobsearch.imports`), which therefore
loads none of the database layer; `PostingRepository.store_prepared` stores the result.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from dreamjobsearch.dedupe import hash_of_words, job_key
from dreamjobsearch.domain.postings import JobPosting
from dreamjobsearch.storage.index_rows import encode_tokens, sqlite_index_row
from dreamjobsearch.storage.search_terms import (
    text_tokens,
    token_text,
    token_text_and_words,
    tokens_and_words,
)

Identity = tuple[str, str]


@dataclass(frozen=True, slots=True)
class PreparedPostings:
    """Postings made ready to store for one owner (None: shared): the row of the first
    copy of each identity, its search index encoding, and how many repeated an earlier one
    (duplicates); `now` is when they count as found."""

    rows: dict[Identity, dict[str, Any]]
    index_rows: dict[Identity, dict[str, Any]]
    repeats: int
    owner: int | None
    now: datetime


def prepare_postings(
    postings: Sequence[JobPosting], owner: int | None, postgresql: bool
) -> PreparedPostings:
    """The rows `postings` are stored as for `owner` (None: shared), with their search
    index rows for SQLite or, with `postgresql`, PostgreSQL. CPU work: call it off the
    event loop."""
    unique: dict[Identity, JobPosting] = {}
    for posting in postings:
        unique.setdefault((posting.source, posting.external_id), posting)
    now = datetime.now(UTC)
    rows: dict[Identity, dict[str, Any]] = {}
    index_rows: dict[Identity, dict[str, Any]] = {}
    for key, posting in unique.items():
        index_rows[key], words = _index_row_and_words(posting, postgresql)
        rows[key] = _posting_row(posting, now, owner, hash_of_words(words))
    return PreparedPostings(
        rows=rows,
        index_rows=index_rows,
        repeats=len(postings) - len(unique),
        owner=owner,
        now=now,
    )


def _index_row_and_words(posting: JobPosting, postgresql: bool) -> tuple[dict[str, Any], str]:
    """The posting's search index row and the words its description hash reads: the
    description is cut into chunks once, for both."""
    if postgresql:
        tokens, words = tokens_and_words(posting.description)
        return encode_tokens(text_tokens(posting.title), tokens), words
    body, words = token_text_and_words(posting.description)
    return sqlite_index_row(token_text(posting.title), body), words


def _posting_row(
    posting: JobPosting, now: datetime, owner: int | None, digest: str | None
) -> dict[str, Any]:
    return {
        "shared": owner is None,
        "owner_id": owner,
        "source": posting.source,
        "external_id": posting.external_id,
        "link": posting.link,
        "title": posting.title[:512],
        "company": posting.company[:512],
        "location": posting.location[:512],
        "description": posting.description,
        "posted_at": posting.posted_at,
        "salary": posting.salary[:512],
        "employment_type": posting.employment_type[:256],
        "seniority_level": posting.seniority_level[:256],
        "job_function": posting.job_function[:512],
        "industries": posting.industries[:512],
        "job_key": job_key(posting.company, posting.title, posting.location),
        "description_hash": digest,
        "group_id": None,
        "created_at": now,
        # Indexed in the same transaction (store_prepared), so never half-stored.
        "search_indexed": True,
    }
