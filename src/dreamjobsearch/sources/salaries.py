"""Salary ranges from boards that send amounts as numbers: `EUR 60,000-80,000` (an en
dash between the amounts)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dreamjobsearch.sources.boards import JobProblem, json_kind

RANGE_DASH = "\u2013"  # en dash


def amount(salary: Mapping[str, Any], key: str) -> str:
    """The number at `key` as text (`60,000`, `27.50`); `""` when absent, null or 0, which
    boards send for "not given"."""
    value = salary.get(key)
    if value is None or value == 0:
        return ""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise JobProblem(f"salary {key} is {json_kind(value)}, not a number")
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.2f}"


def salary_range(low: str, high: str, currency: str, period: str = "") -> str:
    """`CURRENCY low-high period` (en dash), each part only when given; `""` without an amount."""
    shown = list(dict.fromkeys(part for part in (low, high) if part))
    if not shown:
        return ""
    parts = (currency.upper(), RANGE_DASH.join(shown), period)
    return " ".join(part for part in parts if part)
