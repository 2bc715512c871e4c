"""Where a user is with each posting, and the lists they keep: the rules, no storage.

Each posting has a status per user (`new` until they change it) and a free-text note. The
default ranked view leaves out what the user is done with (`rejected`, `archived`). A user
may block companies (by name, ignoring case and spacing) to hide them from rankings and
exports, and save the keywords they rank by and the location they look in.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import Enum
from typing import Literal, get_args

from dreamjobsearch.errors import InvalidInputError, InvalidValueError

Status = Literal["new", "interested", "applied", "interviewing", "offer", "rejected", "archived"]
STATUSES: tuple[Status, ...] = get_args(Status)
HIDDEN_BY_DEFAULT: frozenset[Status] = frozenset({"rejected", "archived"})
MAX_NOTE_LENGTH = 2000
MAX_BLOCKED_COMPANIES = 500
MAX_COMPANY_LENGTH = 512
MAX_LOCATION_LENGTH = 200


class Unchanged(Enum):
    """A saved value a write leaves as it is, where None would clear it."""

    UNCHANGED = "unchanged"


UNCHANGED = Unchanged.UNCHANGED


def company_key(name: str) -> str:
    """The form company names are compared in: case and runs of white space ignored."""
    return " ".join(name.split()).casefold()


def visible_statuses(statuses: Iterable[Status] | None) -> frozenset[Status]:
    """The statuses a view shows: the ones asked for, or all but the finished ones."""
    if statuses is None:
        return frozenset(STATUSES) - HIDDEN_BY_DEFAULT
    chosen = frozenset(statuses)
    if not chosen:
        raise InvalidInputError("give at least one status, or none for the default view")
    return chosen


def normalize_companies(names: Iterable[str]) -> list[str]:
    """Trimmed company names without blanks or repeats (ignoring case), first spelling kept."""
    seen: set[str] = set()
    result = []
    for name in names:
        cleaned = " ".join(name.split())
        key = cleaned.casefold()
        if not cleaned or key in seen:
            continue
        if len(cleaned) > MAX_COMPANY_LENGTH:
            raise InvalidInputError(f"company names are at most {MAX_COMPANY_LENGTH} characters")
        seen.add(key)
        result.append(cleaned)
    if len(result) > MAX_BLOCKED_COMPANIES:
        raise InvalidInputError(f"at most {MAX_BLOCKED_COMPANIES} blocked companies")
    return result


def check_note(note: str) -> str:
    """The note as stored (surrounding white space trimmed); too long is refused."""
    cleaned = note.strip()
    if len(cleaned) > MAX_NOTE_LENGTH:
        raise InvalidInputError(f"a note is at most {MAX_NOTE_LENGTH} characters")
    return cleaned


def check_location(location: str | None) -> str | None:
    """A location to save, trimmed; None for a blank one (anywhere). Too long is refused."""
    cleaned = (location or "").strip()
    if len(cleaned) > MAX_LOCATION_LENGTH:
        raise InvalidValueError(f"a location is at most {MAX_LOCATION_LENGTH} characters")
    return cleaned or None
