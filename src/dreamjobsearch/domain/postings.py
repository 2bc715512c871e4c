"""Postings as sources produce them (`JobLink`, `JobPosting`) and as a user has them
(`StoredPosting`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class JobLink:
    """A link to a posting found by a search, with the board's id for it."""

    source: str
    external_id: str
    url: str


@dataclass(frozen=True, slots=True)
class JobPosting:
    """One posting with everything a user sees. `(source, external_id)` is its identity."""

    source: str
    external_id: str
    link: str
    title: str
    company: str = ""
    location: str = ""
    description: str = ""
    posted_at: datetime | None = None
    salary: str = ""
    employment_type: str = ""
    seniority_level: str = ""
    job_function: str = ""
    industries: str = ""


@dataclass(frozen=True, slots=True)
class StoredPosting:
    """A posting as a user sees it, with when they found it (and, from its details, what
    a list of results shows next to the title: pay, employment type, seniority)."""

    id: int
    source: str
    external_id: str
    link: str
    title: str
    company: str
    location: str
    description: str
    posted_at: datetime | None
    found_at: datetime
    group_id: int
    salary: str = ""
    employment_type: str = ""
    seniority_level: str = ""
