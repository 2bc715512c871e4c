"""`dreamjob register`: create an account from the terminal, under the rules of the API.

The email and password are checked by the same `AuthService` as `POST /register` (a bare
address; 8 to 1024 characters, not a common password, not made of the email), so an account
made here is one the sign-up form would have accepted.
"""

from __future__ import annotations

from typing import Annotated

import typer
from rich.markup import escape

from dreamjobsearch.auth.emails import InvalidEmailError, normalise_email
from dreamjobsearch.cli_progress import console
from dreamjobsearch.cli_workspace import fail, run_command
from dreamjobsearch.config import Settings
from dreamjobsearch.services import build_services


def register(
    email: Annotated[str, typer.Option(help="the new account's email")],
    password: Annotated[
        str | None,
        typer.Option(
            envvar="DREAMJOB_PASSWORD",
            show_envvar=True,
            help="for scripts; prefer the environment variable, which other users of the "
            "machine cannot see in the process list (default: asked for, hidden, twice)",
        ),
    ] = None,
) -> None:
    """Create an account (it can then log in, and be given postings with --email)."""
    try:
        address = normalise_email(email)
    except InvalidEmailError as error:
        fail(str(error))
    if password is None:
        password = typer.prompt("password", hide_input=True, confirmation_prompt=True)
    created = run_command(_register(Settings(), address, password))
    console.print(f"registered {escape(created)}")


async def _register(settings: Settings, email: str, password: str) -> str:
    services = await build_services(settings)
    try:
        user = await services.auth.create_account(email, password)
    finally:
        await services.aclose()
    return user.email
