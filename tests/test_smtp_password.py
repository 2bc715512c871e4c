"""Where the SMTP password comes from: the password in SMTP_URL, then SMTP_PASSWORD, then
SMTP_PASSWORD_FILE, then the vault's `smtp-password`; a hidden source is named in the log,
and an empty password file stops start-up."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from conftest import SettingsFactory

from dreamjobsearch.mail.password import smtp_password
from dreamjobsearch.mail.smtp import SmtpServer

URL = "smtp://alerts:from%20url@mail.example.com"


async def in_vault() -> str:
    """The vault's password, as the server's lookup would find it."""
    return "from vault"


@pytest.fixture
def password_file(tmp_path: Path) -> Path:
    """A password file as a secrets manager writes it (with a final line break)."""
    path = tmp_path / "smtp_password"
    path.write_text("from file\n")
    return path


@pytest.mark.parametrize(
    ("url", "settings", "expected", "source"),
    [
        (URL, {"smtp_password": "from env"}, "from url", "the password in DREAMJOB_SMTP_URL"),
        (
            "smtp://alerts@mail.example.com",
            {"smtp_password": "from env"},
            "from env",
            "DREAMJOB_SMTP_PASSWORD",
        ),
        ("smtp://alerts@mail.example.com", {}, "from file", "DREAMJOB_SMTP_PASSWORD_FILE"),
        (
            "smtp://alerts@mail.example.com",
            {"smtp_password": ""},
            "from file",
            "DREAMJOB_SMTP_PASSWORD_FILE",
        ),
    ],
)
async def test_the_first_password_set_wins(
    make_settings: SettingsFactory,
    password_file: Path,
    url: str,
    settings: dict[str, Any],
    expected: str,
    source: str,
) -> None:
    made = make_settings(smtp_url=url, smtp_password_file=password_file, **settings)
    password = smtp_password(made, SmtpServer.parse(url).password, in_vault)
    assert await password.get() == expected
    assert password.source == source


async def test_the_vault_comes_last_and_is_asked_at_each_send(
    make_settings: SettingsFactory,
) -> None:
    asked = []

    async def lookup() -> str:
        asked.append(1)
        return "from vault"

    url = "smtp://alerts@mail.example.com"
    password = smtp_password(make_settings(smtp_url=url), SmtpServer.parse(url).password, lookup)
    assert [await password.get(), await password.get()] == ["from vault", "from vault"]
    assert len(asked) == 2
    assert "smtp-password" in password.source


async def test_a_hidden_source_is_named_in_the_log(
    make_settings: SettingsFactory, password_file: Path, caplog: pytest.LogCaptureFixture
) -> None:
    made = make_settings(smtp_url=URL, smtp_password="from env", smtp_password_file=password_file)
    smtp_password(made, SmtpServer.parse(URL).password, in_vault)
    assert "DREAMJOB_SMTP_PASSWORD is not used: the password in DREAMJOB_SMTP_URL comes first" in (
        caplog.text
    )
    assert "DREAMJOB_SMTP_PASSWORD_FILE is not used" in caplog.text
    assert "from env" not in caplog.text


def test_an_empty_password_file_stops_start_up(
    make_settings: SettingsFactory, tmp_path: Path
) -> None:
    empty = tmp_path / "empty"
    empty.write_text("\n")
    url = "smtp://alerts@mail.example.com"
    made = make_settings(smtp_url=url, smtp_password_file=empty)
    with pytest.raises(ValueError, match="DREAMJOB_SMTP_PASSWORD_FILE names an empty file"):
        smtp_password(made, None, in_vault)
