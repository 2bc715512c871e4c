"""Alert emails: one digest per run with new matches, sent to a real SMTP server on
127.0.0.1 (aiosmtpd), retried when it fails, and a signed unsubscribe link that works
without logging in."""

from __future__ import annotations

import asyncio
import email
import email.policy
import logging
import time
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session
from conftest import ServerFactory
from processes import free_port
from support import bearer, register, wait_run
from test_saved_searches import FAST, FIRST, posting, put_jobs, saved_with_first_run

PUBLIC_URL = "https://jobs.example.com"


class Inbox:
    """An SMTP server's handler that keeps what it receives; it can refuse the first
    `refuse` messages with a temporary failure (451)."""

    def __init__(self, refuse: int = 0) -> None:
        self.messages: list[EmailMessage] = []
        self.recipients: list[list[str]] = []
        self.refuse = refuse
        self.attempts = 0

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        """Keep the message, or refuse it for now."""
        self.attempts += 1
        if self.attempts <= self.refuse:
            return "451 4.3.0 try again later"
        assert isinstance(envelope.content, bytes)
        parsed = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        self.messages.append(parsed)
        self.recipients.append(list(envelope.rcpt_tos))
        return "250 OK"

    async def wait(self, count: int = 1, within: float = 10) -> list[EmailMessage]:
        """The messages, once `count` have arrived."""
        deadline = time.monotonic() + within
        while len(self.messages) < count:
            assert time.monotonic() < deadline, f"{len(self.messages)} messages arrived"
            await asyncio.sleep(0.05)
        return self.messages


@pytest.fixture
def smtp_port() -> int:
    """The port the test's SMTP server listens on."""
    return free_port()


def serving(inbox: Inbox, port: int, **options: Any) -> Iterator[Inbox]:
    """Run an SMTP server on 127.0.0.1 with `inbox` until the test ends (`options` go to
    aiosmtpd's SMTP, e.g. an authenticator)."""
    controller = Controller(inbox, hostname="127.0.0.1", port=port, **options)
    controller.start()
    try:
        yield inbox
    finally:
        controller.stop()


@pytest.fixture
def inbox(smtp_port: int) -> Iterator[Inbox]:
    """A local SMTP server that accepts everything."""
    yield from serving(Inbox(), smtp_port)


def mail_settings(port: int, **overrides: Any) -> dict[str, Any]:
    """Server settings that send mail to the test's SMTP server."""
    return {
        **FAST,
        "smtp_url": f"smtp://127.0.0.1:{port}",
        "mail_from": "Alerts <alerts@jobs.example.com>",
        "public_url": PUBLIC_URL,
        "mail_retry_backoff": 0.01,
        **overrides,
    }


async def emailed_search(client: httpx.AsyncClient) -> tuple[dict[str, str], dict[str, Any]]:
    """A new account with the sample jobs and a saved search that asks for email, after
    its first run: the account's headers and the search."""
    headers = bearer(await register(client, "ada@example.com"))
    await put_jobs(client, headers, FIRST)
    return headers, await saved_with_first_run(client, headers, email=True)


async def failed_digest(
    client: httpx.AsyncClient, headers: dict[str, str], run_id: str
) -> dict[str, Any]:
    """The run, once it records why its digest was not sent (10 s at most)."""
    deadline = time.monotonic() + 10
    while not (run := await wait_run(client, headers, run_id))["digest_error"]:
        assert time.monotonic() < deadline, "the run records no digest error"
        await asyncio.sleep(0.05)
    return run


def parts(message: EmailMessage) -> tuple[str, str]:
    """The text and HTML bodies."""
    text = message.get_body(("plain",))
    html = message.get_body(("html",))
    assert text is not None
    assert html is not None
    return text.get_content(), html.get_content()


def unsubscribe_path(message: EmailMessage) -> str:
    """The unsubscribe link of a digest, as a path on the test server."""
    link = str(message["List-Unsubscribe"]).strip("<>")
    assert link.startswith(f"{PUBLIC_URL}/unsubscribe?token=")
    parts_ = urlsplit(link)
    return f"{parts_.path}?{parts_.query}"


async def test_a_run_with_new_matches_sends_one_digest(
    make_server: ServerFactory, inbox: Inbox, smtp_port: int
) -> None:
    server = await make_server(**mail_settings(smtp_port))
    async with server.client() as client:
        headers, saved = await emailed_search(client)
        [message] = await inbox.wait()
        assert inbox.recipients == [["ada@example.com"]]
        assert message["To"] == "ada@example.com"
        assert message["From"] == "Alerts <alerts@jobs.example.com>"
        assert message["Subject"] == "2 new jobs for \u201cPython in Berlin\u201d"
        assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        text, html = parts(message)
        for body in (text, html):
            assert "Python Developer" in body
            assert "Company 1" in body
            assert "Berlin, Germany" in body
            assert "Python, Django" in body
            assert "https://careers.example.com/jobs/1" in body
            assert "Python Engineer" in body
            assert "Go Developer" not in body
            assert f"{PUBLIC_URL}/matches" in body
        assert '<a href="https://careers.example.com/jobs/1">Python Developer</a>' in html
        run = await wait_run(client, headers, saved["last_run_id"])
        assert run["digest_error"] is None
        await asyncio.sleep(0.3)
        assert len(inbox.messages) == 1


async def test_no_email_without_opting_in_or_without_matches(
    make_server: ServerFactory, inbox: Inbox, smtp_port: int
) -> None:
    server = await make_server(**mail_settings(smtp_port))
    async with server.client() as client:
        ada = bearer(await register(client, "ada@example.com"))
        await put_jobs(client, ada, FIRST)
        await saved_with_first_run(client, ada, email=False)
        bob = bearer(await register(client, "bob@example.com"))
        await put_jobs(client, bob, FIRST)
        await saved_with_first_run(client, bob, email=True, keywords=["Haskell"])
        await asyncio.sleep(0.5)
        assert inbox.messages == []
        assert inbox.attempts == 0


async def test_text_from_a_board_cannot_inject_markup(
    make_server: ServerFactory, inbox: Inbox, smtp_port: int
) -> None:
    server = await make_server(**mail_settings(smtp_port))
    async with server.client() as client:
        headers = bearer(await register(client, "ada@example.com"))
        hostile = posting(9, 'Python <script>alert("x")</script> Dev', "Python.")
        hostile["company"] = "<b>Evil</b> & Co"
        hostile["link"] = "https://careers.example.com/jobs/9?a=1&b=<2>"
        await put_jobs(client, headers, [hostile])
        await saved_with_first_run(client, headers, email=True)
        [message] = await inbox.wait()
        _, html = parts(message)
        assert "<script>" not in html
        assert "&lt;script&gt;" in html
        assert "&lt;b&gt;Evil&lt;/b&gt; &amp; Co" in html


async def test_a_failing_mail_server_is_tried_again(
    make_server: ServerFactory, smtp_port: int
) -> None:
    for inbox in serving(Inbox(refuse=2), smtp_port):
        server = await make_server(**mail_settings(smtp_port, mail_attempts=3))
        async with server.client() as client:
            headers, saved = await emailed_search(client)
            await inbox.wait()
            assert inbox.attempts == 3
            run = await wait_run(client, headers, saved["last_run_id"])
            assert run["digest_error"] is None


async def test_after_the_last_attempt_the_run_says_why(
    make_server: ServerFactory, smtp_port: int
) -> None:
    for inbox in serving(Inbox(refuse=99), smtp_port):
        server = await make_server(**mail_settings(smtp_port, mail_attempts=2))
        async with server.client() as client:
            headers, saved = await emailed_search(client)
            run = await failed_digest(client, headers, saved["last_run_id"])
            assert run["digest_error"] == (
                "the email could not be sent after 2 attempts: "
                "the mail server answered 451 4.3.0 try again later"
            )
            assert inbox.attempts == 2
            assert run["status"] == "succeeded"
            # The alerts are in the app all the same.
            alerts = (await client.get("/alerts", headers=headers)).json()
            assert alerts["unread"] == 2


async def test_the_unsubscribe_link_works_without_logging_in(
    make_server: ServerFactory, inbox: Inbox, smtp_port: int
) -> None:
    server = await make_server(**mail_settings(smtp_port))
    async with server.client() as client:
        headers, saved = await emailed_search(client)
        [message] = await inbox.wait()
        path = unsubscribe_path(message)
        text, _ = parts(message)
        assert f"{PUBLIC_URL}{path}" in text

        async with server.client() as stranger:
            # Opening the link (as a mail scanner does) changes nothing.
            page = await stranger.get(path)
            assert page.status_code == 200
            assert "text/html" in page.headers["content-type"]
            assert "Python in Berlin" in page.text
            mine = await client.get(f"/saved-searches/{saved['id']}", headers=headers)
            assert mine.json()["email"] is True

            done = await stranger.post(path)
            assert done.status_code == 200, done.text
            assert "no more emails" in done.text
        mine = await client.get(f"/saved-searches/{saved['id']}", headers=headers)
        assert mine.json()["email"] is False
        assert mine.json()["keywords"] == ["Python", "Django"]


async def test_the_mail_clients_one_click_post_unsubscribes(
    make_server: ServerFactory, inbox: Inbox, smtp_port: int
) -> None:
    server = await make_server(**mail_settings(smtp_port))
    async with server.client() as client:
        headers, saved = await emailed_search(client)
        [message] = await inbox.wait()
        async with server.client() as mail_client:
            done = await mail_client.post(
                unsubscribe_path(message), data={"List-Unsubscribe": "One-Click"}
            )
            assert done.status_code == 200, done.text
        mine = await client.get(f"/saved-searches/{saved['id']}", headers=headers)
        assert mine.json()["email"] is False


async def test_an_altered_link_is_refused(
    make_server: ServerFactory, inbox: Inbox, smtp_port: int
) -> None:
    other = await make_server(**mail_settings(smtp_port))
    async with other.client() as client:
        headers, saved = await emailed_search(client)
        [message] = await inbox.wait()
        token = parse_qs(urlsplit(unsubscribe_path(message)).query)["token"][0]
        header, claims, signature = token.split(".")
        for bad in (f"{header}.{claims}.{signature[::-1]}", "nonsense", ""):
            refused = await client.post("/unsubscribe", params={"token": bad})
            assert refused.status_code == 400, refused.text
            assert "text/html" in refused.headers["content-type"]
        mine = await client.get(f"/saved-searches/{saved['id']}", headers=headers)
        assert mine.json()["email"] is True
    # A link made by a server with another secret is refused, on the same database.
    elsewhere_server = await make_server(jwt_secret="another-secret-that-is-long-enough-0123456789")
    async with elsewhere_server.client() as elsewhere:
        refused = await elsewhere.get("/unsubscribe", params={"token": token})
        assert refused.status_code == 400


def accepts(login: str, password: str) -> Any:
    """An aiosmtpd authenticator that lets in one login with one password."""

    def check(
        server: SMTP, session: Session, envelope: Envelope, mechanism: str, data: Any
    ) -> AuthResult:
        ok = isinstance(data, LoginPassword) and (data.login, data.password) == (
            login.encode(),
            password.encode(),
        )
        # handled=False: aiosmtpd answers the client itself (235, or 535 on failure).
        return AuthResult(success=ok, handled=False)

    return check


# Plain-text AUTH is fine on 127.0.0.1 in a test; aiosmtpd warns about it.
@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
@pytest.mark.parametrize(("written", "sent"), [("s3cret pass", True), ("wrong", False)])
async def test_the_smtp_password_can_come_from_a_file(
    make_server: ServerFactory, smtp_port: int, tmp_path: Path, written: str, sent: bool
) -> None:
    secret = tmp_path / "smtp_password"
    secret.write_text(written + "\n")
    for inbox in authenticating(smtp_port):
        server = await make_server(
            **mail_settings(
                smtp_port,
                smtp_url=f"smtp://alerts@127.0.0.1:{smtp_port}",
                smtp_password_file=secret,
                mail_attempts=1,
            )
        )
        async with server.client() as client:
            headers, saved = await emailed_search(client)
            if sent:
                await inbox.wait()
                return
            run = await failed_digest(client, headers, saved["last_run_id"])
            assert "535" in run["digest_error"]
            assert inbox.messages == []


def authenticating(port: int) -> Iterator[Inbox]:
    """A local SMTP server that takes mail only after the login alerts / s3cret pass."""
    login = {"authenticator": accepts("alerts", "s3cret pass"), "auth_required": True}
    yield from serving(Inbox(), port, auth_require_tls=False, **login)


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
async def test_the_smtp_password_can_come_from_the_vault_without_a_restart(
    make_server: ServerFactory, smtp_port: int, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="dreamjobsearch.mail")
    for inbox in authenticating(smtp_port):
        server = await make_server(
            **mail_settings(smtp_port, smtp_url=f"smtp://alerts@127.0.0.1:{smtp_port}")
        )
        assert "DREAMJOB_SMTP_URL names the user 'alerts' but no password is set" in caplog.text
        # Set while the server runs, as `dreamjob secrets set smtp-password` does.
        await server.services.server_vault.store("smtp-password", "s3cret pass")
        async with server.client() as client:
            headers, saved = await emailed_search(client)
            [message] = await inbox.wait()
            assert message["To"] == "ada@example.com"
            assert (await wait_run(client, headers, saved["last_run_id"]))["digest_error"] is None
        assert "s3cret pass" not in caplog.text


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
async def test_a_user_without_a_password_anywhere_is_named_on_the_run(
    make_server: ServerFactory, smtp_port: int
) -> None:
    for inbox in authenticating(smtp_port):
        server = await make_server(
            **mail_settings(smtp_port, smtp_url=f"smtp://alerts@127.0.0.1:{smtp_port}")
        )
        async with server.client() as client:
            headers, saved = await emailed_search(client)
            run = await failed_digest(client, headers, saved["last_run_id"])
            assert run["digest_error"] == (
                "DREAMJOB_SMTP_URL names the user 'alerts' but no password is set: put it in "
                "DREAMJOB_SMTP_PASSWORD, DREAMJOB_SMTP_PASSWORD_FILE or the vault "
                "(dreamjob secrets set smtp-password)"
            )
            assert inbox.attempts == 0
