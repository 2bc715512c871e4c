"""Recognising one job posted on several boards.

Two postings are the same job when their normalised company, title and city agree, or when
their descriptions are the same text. Short descriptions are not compared (a two-line
"see our website" would join unrelated jobs), nor are postings without a company.
"""

from __future__ import annotations

import hashlib
import re

MIN_DESCRIPTION_CHARS = 200
_PUNCTUATION = re.compile(r"[^\w\s]+")
_WORD_RUNS = re.compile(r"\w+")
_SPACES = re.compile(r"\s+")
# Gender and form markers boards add to titles: (m/w/d), (k/m), (f/m/x), (all genders)...
_TITLE_MARKERS = re.compile(r"\((?:[mwfdxk]\s*/\s*)+[mwfdxk]\)|\(all genders\)", re.I)
_LEGAL_SUFFIXES = re.compile(
    r"\b(inc|llc|ltd|limited|gmbh|ag|sa|s a|sp z o o|spółka z o o|bv|nv|plc|corp|co|oy|ab|as)\b"
)


def _normal(text: str) -> str:
    return _SPACES.sub(" ", _PUNCTUATION.sub(" ", text.casefold())).strip()


def normalize_company(company: str) -> str:
    """Company name without case, punctuation or legal form (`Acme, Inc.` -> `acme`)."""
    return _SPACES.sub(" ", _LEGAL_SUFFIXES.sub(" ", _normal(company))).strip()


def normalize_title(title: str) -> str:
    """Title without case, punctuation or gender markers."""
    return _normal(_TITLE_MARKERS.sub(" ", title))


def normalize_city(location: str) -> str:
    """The first part of a location (`Warsaw, Masovian, Poland` -> `warsaw`)."""
    return _normal(location.split(",")[0])


def job_key(company: str, title: str, location: str) -> str | None:
    """A hash of normalised company, title and city; None without a company or title."""
    company_part, title_part = normalize_company(company), normalize_title(title)
    if not company_part or not title_part:
        return None
    key = f"{company_part}|{title_part}|{normalize_city(location)}"
    return hashlib.sha256(key.encode()).hexdigest()


def description_words(text: str) -> str:
    """The words of `text` as the description hash reads them: each run of word
    characters, case-folded, single spaces between (a description's `_normal` form).

    A text cut at white space gives the same words piece by piece (no run crosses white
    space), so the index's tokeniser computes them once per repeated chunk."""
    # `_normal` exactly (its words are the runs of word characters), in one pass instead of
    # two substitutions over the whole text: three times faster.
    return " ".join(_WORD_RUNS.findall(text.casefold()))


def hash_of_words(words: str) -> str | None:
    """The description hash of a description's `description_words`; None when too short to
    tell jobs apart."""
    if len(words) < MIN_DESCRIPTION_CHARS:
        return None
    return hashlib.sha256(words.encode()).hexdigest()


def description_hash(description: str) -> str | None:
    """A hash of the description's words; None for descriptions too short to tell jobs apart."""
    return hash_of_words(description_words(description))
