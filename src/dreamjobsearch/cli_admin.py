"""`dreamjob admin ...`: who has admin rights, granted and revoked by whoever runs the server.

Rights are a flag on the account, set here against the server's database (with the same
settings as `dreamjob serve`), never by anything a user can type into a sign-up form. A
running server reads the flag on every admin request: a change takes effect at once.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Annotated, TypeVar

import typer
from rich.markup import escape
from rich.table import Table

from dreamjobsearch.auth.emails import InvalidEmailError, normalise_email
from dreamjobsearch.cli_progress import console
from dreamjobsearch.config import Settings
from dreamjobsearch.logging_setup import configure_logging
from dreamjobsearch.storage.db import create_engine, database
from dreamjobsearch.storage.migrate import upgrade
from dreamjobsearch.storage.models import User
from dreamjobsearch.storage.users import UserRepository

admin_app = typer.Typer(help="Grant, revoke and list admin rights (run where the server runs).")

T = TypeVar("T")
EmailArgument = Annotated[str, typer.Argument(help="the account's email (it must be registered)")]


@admin_app.command("grant")
def admin_grant(email: EmailArgument) -> None:
    """Give an existing account admin rights."""
    _set_admin(email, admin=True)


@admin_app.command("revoke")
def admin_revoke(email: EmailArgument) -> None:
    """Take admin rights away from an account."""
    _set_admin(email, admin=False)


@admin_app.command("list")
def admin_list() -> None:
    """Show the accounts with admin rights."""
    admins = _run(_admins)
    table = Table(title=f"{len(admins)} admins")
    for column in ("id", "email", "active", "registered"):
        table.add_column(column)
    for user in admins:
        table.add_row(
            str(user.id),
            escape(user.email),
            "yes" if user.is_active else "no (disabled)",
            user.created_at.isoformat(timespec="seconds"),
        )
    console.print(table)


def _set_admin(email: str, *, admin: bool) -> None:
    try:
        address = normalise_email(email)
    except InvalidEmailError as error:
        console.print(f"[red]error:[/red] {escape(str(error))}")
        raise typer.Exit(1) from error

    async def change(users: UserRepository) -> bool:
        return await users.set_admin(address, admin)

    if not _run(change):
        console.print(f"[red]error:[/red] no account {escape(address)}: it must register first")
        raise typer.Exit(1)
    console.print(f"{escape(address)} is {'now' if admin else 'no longer'} an admin")


async def _admins(users: UserRepository) -> list[User]:
    return await users.admins()


def _run(work: Callable[[UserRepository], Awaitable[T]]) -> T:
    """Run `work` against the configured database, brought up to date first."""
    settings = Settings()
    configure_logging("WARNING")

    async def main() -> T:
        async with _users(settings) as users:
            return await work(users)

    return asyncio.run(main())


@asynccontextmanager
async def _users(settings: Settings) -> AsyncIterator[UserRepository]:
    settings.ensure_data_dir()
    await asyncio.to_thread(upgrade, settings.resolved_database_url)
    engine = create_engine(settings.resolved_database_url)
    try:
        yield UserRepository(database(engine))
    finally:
        await engine.dispose()
