"""The one stylesheet stays well-formed: a block left open swallows every rule after it
(a merge once dropped one `}`, and every page's later styles silently stopped applying)."""

from __future__ import annotations

import re
from pathlib import Path

STYLESHEET = Path(__file__).resolve().parent.parent / "src/dreamjobsearch/web/static/css/app.css"


def test_every_block_of_the_stylesheet_is_closed() -> None:
    text = re.sub(r"/\*.*?\*/", "", STYLESHEET.read_text(encoding="utf-8"), flags=re.S)
    depth = 0
    for number, line in enumerate(text.splitlines(), 1):
        depth += line.count("{") - line.count("}")
        assert depth >= 0, f"app.css line {number}: a `}}` closes nothing"
        # Only @media (and @supports) blocks hold rules; a rule inside a rule is a missing `}`.
        if depth > 2:
            raise AssertionError(f"app.css line {number}: a block opened inside a rule")
    assert depth == 0, "app.css ends with a block still open"
