"""Board text as users read it: descriptions from HTML to clean text, short fields decoded.

Boards send descriptions as HTML, some of them HTML-escaped as a whole (Greenhouse always,
Arbeitnow at times: `&lt;p&gt;...`), and employers escape entities twice (`R&amp;amp;D`).
Users read text, and ranking matches words in it, so every board goes through this one
path: escaped markup is unescaped first, tags go, entities are decoded (twice-escaped ones
too), white space is folded, paragraphs stay separated by a blank line and list items
become `- item` lines. Short fields (titles, teams, places) get the same entity decoding.
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
# Escaping is undone at most this many times: real markup, or text, appears well before.
MAX_ESCAPE_LAYERS = 3
_SPACES = re.compile(r"[ \t\r\f\v\u00a0]+")
_BLANK_LINES = re.compile(r"\n{3,}")
_TAG = re.compile(r"<[a-zA-Z/!]")
# Only complete entities: `&copy=2` in a text is not the copyright sign.
_ENTITY = re.compile(r"&(?:[a-zA-Z][a-zA-Z0-9]{1,31}|#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6});")


class _Writer:
    """Collects text, turning block boundaries into paragraph breaks."""

    def __init__(self) -> None:
        self.parts: list[str] = []

    def text(self, value: str) -> None:
        folded = _SPACES.sub(" ", decode_entities(value).replace("\n", " "))
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
    """Readable text of an HTML fragment, even an HTML-escaped one: paragraphs, `- ` list
    items, no tags or entities."""
    markup = _unescaped_markup(markup)
    if not _TAG.search(markup):
        # Plain text keeps its line breaks; entities decode as a browser would, then again.
        return _SPACES.sub(" ", decode_entities(html.unescape(markup))).strip()
    return tree_text(LexborHTMLParser(markup))


def parse_fragment(markup: str) -> LexborHTMLParser:
    """The tree of an HTML fragment (unescaped first if it was sent HTML-escaped), for a
    board that takes parts out of it (a pay range) before `tree_text`."""
    return LexborHTMLParser(_unescaped_markup(markup))


def tree_text(tree: LexborHTMLParser) -> str:
    """Readable text of a parsed fragment, as `html_to_text` makes it."""
    out = _Writer()
    if tree.body is not None:
        _walk(tree.body, out)
    return out.result()


def plain_text(value: str) -> str:
    """A short text field as users read it: entities decoded (twice-escaped ones too) and
    white space folded to single spaces."""
    return " ".join(decode_entities(value).split())


def decode_entities(value: str) -> str:
    """`value` with its entities decoded, as often as an employer escaped them
    (`Achats &amp;amp; Moyens` -> `Achats & Moyens`)."""
    for _ in range(MAX_ESCAPE_LAYERS):
        if "&" not in value:
            break
        decoded = _ENTITY.sub(lambda entity: html.unescape(entity.group()), value)
        if decoded == value:
            break
        value = decoded
    return value


def _unescaped_markup(markup: str) -> str:
    """Markup that was sent HTML-escaped (once or more) as real markup; anything else,
    markup or plain text, as it is."""
    candidate = markup
    for _ in range(MAX_ESCAPE_LAYERS):
        if _TAG.search(candidate):
            return candidate
        decoded = html.unescape(candidate)
        if decoded == candidate:
            break
        candidate = decoded
    return markup
