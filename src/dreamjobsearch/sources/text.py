"""Job descriptions from HTML to clean text that keeps paragraphs and list items.

Boards send descriptions as HTML (Greenhouse's even HTML-escaped). Users read them as
text, and ranking matches words in them, so tags go, entities are decoded, white space is
folded, paragraphs stay separated by a blank line and list items become `- item` lines.
"""

from __future__ import annotations

import html
import re

from selectolax.lexbor import LexborHTMLParser, LexborNode

BLOCK_TAGS = frozenset(
    {
        "p", "div", "section", "article", "header", "footer", "main", "aside", "blockquote",
        "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "table", "tr", "pre", "dl", "dt", "dd",
        "figure", "form", "fieldset", "details", "summary", "hr",
    }
)  # fmt: skip
SKIPPED_TAGS = frozenset({"script", "style", "noscript", "template", "svg", "head", "button"})
_SPACES = re.compile(r"[ \t\r\f\v\u00a0]+")
_BLANK_LINES = re.compile(r"\n{3,}")


class _Writer:
    """Collects text, turning block boundaries into paragraph breaks."""

    def __init__(self) -> None:
        self.parts: list[str] = []

    def text(self, value: str) -> None:
        folded = _SPACES.sub(" ", value.replace("\n", " "))
        if folded.strip() or (self.parts and not self.parts[-1].endswith(("\n", " "))):
            self.parts.append(folded)

    def line_break(self) -> None:
        self.parts.append("\n")

    def start_line(self) -> None:
        if self.parts and not self.parts[-1].endswith("\n"):
            self.parts.append("\n")

    def paragraph(self) -> None:
        self.parts.append("\n\n")

    def result(self) -> str:
        lines = (line.strip() for line in "".join(self.parts).split("\n"))
        return _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()


def _walk(node: LexborNode, out: _Writer, in_item: bool = False) -> None:
    child = node.child
    while child is not None:
        tag = child.tag
        if tag == "-text":
            out.text(child.text_content or "")
        elif tag in SKIPPED_TAGS or tag == "-comment":
            pass
        elif tag == "br":
            out.line_break()
        elif tag == "li":
            out.start_line()
            out.parts.append("- ")
            _walk(child, out, in_item=True)
            out.start_line()
        elif tag in BLOCK_TAGS and in_item:
            # A paragraph inside a list item stays on the item's line.
            out.text(" ")
            _walk(child, out, in_item=True)
            out.text(" ")
        elif tag in BLOCK_TAGS:
            out.paragraph()
            _walk(child, out)
            out.paragraph()
        else:
            _walk(child, out, in_item)
        child = child.next


def html_to_text(markup: str) -> str:
    """Readable text of an HTML fragment: paragraphs, `- ` list items, no tags or entities."""
    if "<" not in markup:
        return _SPACES.sub(" ", html.unescape(markup)).strip()
    tree = LexborHTMLParser(markup)
    out = _Writer()
    if tree.body is not None:
        _walk(tree.body, out)
    return out.result()


def escaped_html_to_text(escaped: str) -> str:
    """Text of HTML that was itself HTML-escaped (as Greenhouse's `content` is)."""
    return html_to_text(html.unescape(escaped))
