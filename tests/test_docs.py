"""The documentation a newcomer reads stays true: the settings page matches `Settings`,
every link leads somewhere, and the README stays a five-minute read that points to the rest."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from dreamjobsearch.config import Settings
from dreamjobsearch.settings_doc import REGENERATE, settings_markdown
from dreamjobsearch.sources.catalog import SOURCES

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
DOCS = ROOT / "docs"
PAGES = sorted([README, ROOT / "SECURITY.md", *DOCS.glob("*.md")])
README_MAX_LINES = 160
# [text](target) and ![alt](target); the target ends at white space or the closing bracket.
LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")
FENCE = re.compile(r"^```.*?^```", re.MULTILINE | re.DOTALL)
HEADING = re.compile(r"^#{1,6}\s+(.+?)\s*#*$", re.MULTILINE)


def _links(page: Path) -> list[str]:
    """The link targets of a Markdown page, outside code blocks."""
    return LINK.findall(FENCE.sub("", page.read_text(encoding="utf-8")))


def _anchors(page: Path) -> set[str]:
    """The anchors GitHub gives the page's headings."""
    anchors: set[str] = set()
    for heading in HEADING.findall(FENCE.sub("", page.read_text(encoding="utf-8"))):
        text = re.sub(r"[`*_]|\[([^\]]*)\]\([^)]*\)", r"\1", heading).strip().lower()
        slug = re.sub(r"[^\w\- ]", "", text).replace(" ", "-")
        candidate, n = slug, 0
        while candidate in anchors:
            n += 1
            candidate = f"{slug}-{n}"
        anchors.add(candidate)
    return anchors


def test_settings_page_is_generated_from_the_settings() -> None:
    committed = (DOCS / "settings.md").read_text(encoding="utf-8")
    assert committed == settings_markdown(), (
        f"docs/settings.md is out of date with dreamjobsearch.config.Settings: run `{REGENERATE}`"
    )


def test_every_setting_is_explained() -> None:
    unexplained = [name for name, field in Settings.model_fields.items() if not field.description]
    assert not unexplained, f"give these Settings fields a docstring: {unexplained}"
    page = (DOCS / "settings.md").read_text(encoding="utf-8")
    for name in Settings.model_fields:
        if name != "base_urls":
            assert f"`DREAMJOB_{name.upper()}`" in page
    for source in SOURCES:
        if SOURCES[source].default_base_url:
            assert f"`DREAMJOB_{source.upper()}_BASE_URL`" in page


@pytest.mark.parametrize("page", PAGES, ids=lambda page: str(page.relative_to(ROOT)))
def test_every_relative_link_leads_to_a_file_and_heading(page: Path) -> None:
    broken = []
    for target in _links(page):
        if re.match(r"^[a-z][a-z0-9+.-]*:", target):
            continue  # http(s), mailto: outside the repository
        path, _, anchor = target.partition("#")
        linked = (page.parent / path).resolve() if path else page
        if not linked.exists():
            broken.append(f"{target}: no such file")
        elif anchor and linked.suffix == ".md" and anchor not in _anchors(linked):
            broken.append(f"{target}: no such heading")
        elif not linked.is_relative_to(ROOT):
            broken.append(f"{target}: outside the repository")
    assert not broken, f"{page.relative_to(ROOT)} has broken links: {broken}"


def test_readme_is_short_and_points_to_every_document() -> None:
    text = README.read_text(encoding="utf-8")
    assert len(text.splitlines()) <= README_MAX_LINES
    for command in ("uv run dreamjob serve", "uv run pytest"):
        assert command in text
    linked = {(ROOT / target.partition("#")[0]).resolve() for target in _links(README)}
    unlinked = [
        str(page.relative_to(ROOT)) for page in DOCS.glob("*.md") if page.resolve() not in linked
    ]
    assert not unlinked, f"README.md should link to {unlinked}"
    assert (ROOT / "SECURITY.md").resolve() in linked
