"""Matched keywords highlighted in a title or in a short window of a description."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from dreamjobsearch.domain.ranking import keyword_pattern

SNIPPET_WIDTH = 280
LEAD_IN = SNIPPET_WIDTH // 4
ELLIPSIS = "…"


@dataclass(frozen=True, slots=True)
class Segment:
    """A piece of text; `match` marks a keyword (the template wraps it in `<mark>`)."""

    text: str
    match: bool = False


def _spans(text: str, keywords: Sequence[str]) -> list[tuple[int, int]]:
    """Where keywords occur in `text`, sorted, overlapping matches merged."""
    found = sorted(
        (match.start(), match.end())
        for keyword in keywords
        for match in keyword_pattern(keyword).finditer(text)
        if match.end() > match.start()
    )
    merged: list[tuple[int, int]] = []
    for start, end in found:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def _segments(text: str, spans: list[tuple[int, int]]) -> list[Segment]:
    segments = []
    position = 0
    for start, end in spans:
        if start > position:
            segments.append(Segment(text[position:start]))
        segments.append(Segment(text[start:end], match=True))
        position = end
    if position < len(text):
        segments.append(Segment(text[position:]))
    return segments


def highlight(text: str, keywords: Sequence[str]) -> list[Segment]:
    """The whole of `text` with every keyword match marked (same matching as the ranking)."""
    return _segments(text, _spans(text, keywords))


def snippet(description: str, keywords: Sequence[str], width: int = SNIPPET_WIDTH) -> list[Segment]:
    """About `width` characters of the description around its first match, matches marked."""
    text = " ".join(description.split())
    spans = _spans(text, keywords)
    start = 0
    if spans and spans[0][0] > LEAD_IN:
        start = spans[0][0] - LEAD_IN
        # Begin at a word, not in the middle of one.
        space = text.find(" ", start)
        start = space + 1 if -1 < space < spans[0][0] else start
    end = min(len(text), start + width)
    if end < len(text):
        space = text.rfind(" ", start, end)
        end = space if space > start else end
    inside = [
        (max(a, start) - start, min(b, end) - start) for a, b in spans if a < end and b > start
    ]
    segments = _segments(text[start:end], inside)
    if start > 0:
        segments.insert(0, Segment(ELLIPSIS))
    if end < len(text):
        segments.append(Segment(ELLIPSIS))
    return segments
