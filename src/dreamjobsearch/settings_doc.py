"""docs/settings.md, generated from `Settings`: one row per setting, from its docstring.

The settings are documented where they are defined, so the list a reader sees cannot drift
from the code; `tests/test_docs.py` fails when the committed file is out of date. Defaults
are read from the class, never from the environment or a `.env` file, so the page is the
same on every machine. Regenerate with:

    uv run python -m dreamjobsearch.settings_doc > docs/settings.md
"""

from __future__ import annotations

import sys
from enum import Enum
from pathlib import Path

from pydantic.fields import FieldInfo

from dreamjobsearch.config import Settings
from dreamjobsearch.sources.catalog import SOURCES, base_urls

REGENERATE = "uv run python -m dreamjobsearch.settings_doc > docs/settings.md"
INTRO = f"""\
# Settings

<!-- Generated from `dreamjobsearch.config.Settings`: edit the docstrings there, then run
`{REGENERATE}`. -->

Every setting is an environment variable with the prefix `DREAMJOB_`, also read from a `.env`
file in the working directory. Durations are integer seconds, except the request intervals
and HTTP timings (seconds, fractions allowed). A default of *unset* means the description
says what happens instead (a secret generated once and kept in `DATA_DIR`, SQLite in
`DATA_DIR`, a value computed from the machine).
"""


def settings_markdown() -> str:
    """The whole settings page, in the order the fields are defined; `base_urls` as one row
    per source, named as it is set (`DREAMJOB_GREENHOUSE_BASE_URL`)."""
    rows = []
    for name, field in Settings.model_fields.items():
        if name == "base_urls":
            rows += _base_url_rows()
        else:
            rows.append(
                f"| `DREAMJOB_{name.upper()}` | {_default(field)} | {_description(field)} |"
            )
    return "\n".join([INTRO, "| setting | default | meaning |", "|---|---|---|", *rows, ""])


def _default(field: FieldInfo) -> str:
    value = field.get_default(call_default_factory=True)
    if value is None:
        return "*unset*"
    if isinstance(value, Enum):
        value = value.value
    if isinstance(value, Path):
        value = str(value)
    if value in ("", ()):
        return "*empty*"
    return f"`{_cell(str(value))}`"


def _description(field: FieldInfo) -> str:
    return _cell(" ".join((field.description or "").split()))


def _base_url_rows() -> list[str]:
    return [
        f"| `DREAMJOB_{name.upper()}_BASE_URL` | `{_cell(url)}` | {_cell(SOURCES[name].about)} |"
        for name, url in base_urls({}).items()
    ]


def _cell(text: str) -> str:
    """Text safe inside a Markdown table cell."""
    return text.replace("|", "\\|")


def main() -> None:
    """Write the page to standard output."""
    sys.stdout.write(settings_markdown())


if __name__ == "__main__":
    main()
