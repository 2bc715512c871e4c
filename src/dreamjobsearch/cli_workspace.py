"""One account's workspace for the `dreamjob` commands that work on the database directly.

`import`, `update`, `search`, `export` and `runs` run without the server, with the same
settings as `dreamjob serve`; each picks its account with `--email` and reports a problem as
`error: ...` and exit status 1.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Coroutine
from contextlib import asynccontextmanager
from typing import Any, NoReturn, TypeVar

import typer
from rich.markup import escape

from dreamjobsearch.cli_progress import console
from dreamjobsearch.config import Settings
from dreamjobsearch.errors import DomainError
from dreamjobsearch.logging_setup import configure_logging
from dreamjobsearch.services import Services, build_services
from dreamjobsearch.workspace import Workspace

T = TypeVar("T")


@asynccontextmanager
async def account_workspace(
    settings: Settings, email: str
) -> AsyncIterator[tuple[Services, Workspace]]:
    """The services and an account's workspace; exit 1 naming the email when there is no
    such account."""
    services = await build_services(settings)
    try:
        user = await services.users.by_email(email)
        if user is None:
            fail(f"no account {email!r}: register it first")
        yield services, services.workspace_for(user.id, user.email)
    finally:
        await services.aclose()


def run_command(work: Coroutine[Any, Any, T]) -> T:
    """Run a command's work; a domain error (bad input, nothing found) is printed and ends
    the command with exit status 1 instead of a traceback."""
    configure_logging("WARNING")
    try:
        return asyncio.run(work)
    except DomainError as error:
        fail(error.message)


def fail(message: str) -> NoReturn:
    """Print `error: message` (as text, never as markup) and exit with status 1."""
    console.print(f"[red]error:[/red] {escape(message)}")
    raise typer.Exit(1)
