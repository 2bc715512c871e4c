"""`dreamjob secrets ...`: the server's own secrets (set, list, delete) and the keys for
secrets at rest (make one, rotate, re-encrypt, retire).

A value is never taken from an argument, where shell history and `ps` would keep it: it is
typed at a hidden prompt, or piped in on standard input.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Awaitable, Callable
from typing import Annotated, TypeVar

import typer
from rich.markup import escape
from rich.table import Table

from dreamjobsearch.cli_progress import console, counted_progress
from dreamjobsearch.config import Settings
from dreamjobsearch.errors import DomainError
from dreamjobsearch.logging_setup import configure_logging
from dreamjobsearch.mail.password import SMTP_PASSWORD_SECRET
from dreamjobsearch.services import Services, build_services
from dreamjobsearch.vault.keys import (
    KEY_FILE,
    drop_old_keys,
    new_key,
    rotate_key_file,
    uses_key_file,
)
from dreamjobsearch.vault.server_vault import ServerVault
from dreamjobsearch.vault.vault import MAX_VALUE_BYTES, SecretInfo, check_name

secrets_app = typer.Typer(
    help="The server's own secrets (the SMTP password) and the keys that seal every secret "
    "(AES-GCM at rest)."
)

T = TypeVar("T")
NameArgument = Annotated[
    str, typer.Argument(help=f"the secret's name, e.g. {SMTP_PASSWORD_SECRET}", show_default=False)
]
# The names the server reads; another name is stored all the same, with a note.
KNOWN_NAMES = frozenset({SMTP_PASSWORD_SECRET})

ENV_ROTATION = (
    "the keys come from DREAMJOB_SECRET_KEY: set DREAMJOB_SECRET_KEY to a new key "
    "(dreamjob secrets new-key) and DREAMJOB_SECRET_OLD_KEYS to the old one(s), restart, "
    "then run: dreamjob secrets reencrypt"
)


@secrets_app.command("set")
def secrets_set(name: NameArgument) -> None:
    """Seal and store a server secret (replacing one of the same name).

    The value is typed at a hidden prompt, or read from standard input when it is piped
    (one trailing line break is dropped): never from an argument.
    """
    _valid_name(name)
    value = _read_value(name)

    async def store(vault: ServerVault) -> None:
        await vault.store(name, value)

    _with_server_vault(store)
    console.print(f"stored server secret {escape(name)} (sealed with the current key)")
    if name not in KNOWN_NAMES:
        console.print(f"note: the server reads only {', '.join(sorted(KNOWN_NAMES))} today")


@secrets_app.command("list")
def secrets_list() -> None:
    """Show the server's secrets: names and when they were set, never values."""

    async def names(vault: ServerVault) -> list[SecretInfo]:
        return await vault.names()

    infos = _with_server_vault(names)
    table = Table(title=f"{len(infos)} server secrets")
    table.add_column("name")
    table.add_column("set at (UTC)")
    for info in infos:
        table.add_row(escape(info.name), info.updated_at.isoformat(timespec="seconds"))
    console.print(table)


@secrets_app.command("delete")
def secrets_delete(name: NameArgument) -> None:
    """Forget a server secret."""
    _valid_name(name)

    async def delete(vault: ServerVault) -> None:
        await vault.delete(name)

    _with_server_vault(delete)
    console.print(f"deleted server secret {escape(name)}")


@secrets_app.command("new-key")
def secrets_new_key() -> None:
    """Print a fresh random key (for DREAMJOB_SECRET_KEY)."""
    typer.echo(new_key())


@secrets_app.command("rotate")
def secrets_rotate() -> None:
    """Make a new current key in the key file (old keys kept) and re-encrypt every secret.

    Restart running servers afterwards so that they write with the new key.
    """
    settings = Settings()
    configure_logging("WARNING")
    if not uses_key_file(settings):
        console.print(f"[red]error:[/red] {ENV_ROTATION}")
        raise typer.Exit(1)
    ring = rotate_key_file(settings)
    console.print(f"new current key {ring.current_id} in {settings.data_dir / KEY_FILE}")
    asyncio.run(_reencrypt(settings))


@secrets_app.command("reencrypt")
def secrets_reencrypt() -> None:
    """Re-encrypt with the current key every secret sealed with an older one."""
    settings = Settings()
    configure_logging("WARNING")
    asyncio.run(_reencrypt(settings))


@secrets_app.command("drop-old-keys")
def secrets_drop_old_keys() -> None:
    """Remove the old keys from the key file, once no secret needs them."""
    settings = Settings()
    configure_logging("WARNING")
    if not uses_key_file(settings):
        console.print(
            "[red]error:[/red] the keys come from the environment: unset "
            "DREAMJOB_SECRET_OLD_KEYS instead"
        )
        raise typer.Exit(1)
    pending = asyncio.run(_pending(settings))
    if pending:
        console.print(
            f"[red]error:[/red] {pending} secrets still need an old key: "
            "run dreamjob secrets reencrypt first"
        )
        raise typer.Exit(1)
    console.print(f"removed {drop_old_keys(settings)} old keys")


def _valid_name(name: str) -> None:
    """Refuse a bad name before anyone types a value for it (exit 2, as a usage error)."""
    try:
        check_name(name)
    except DomainError as error:
        raise typer.BadParameter(error.message, param_hint="NAME") from error


def _read_value(name: str) -> str:
    if sys.stdin.isatty():
        value: str = typer.prompt(
            f"value of {name}", hide_input=True, confirmation_prompt=True, prompt_suffix=": "
        )
        return value
    # A value one byte over the limit is enough for the vault to refuse it clearly.
    raw = sys.stdin.buffer.read(MAX_VALUE_BYTES + 2)
    try:
        text = raw.decode()
    except UnicodeDecodeError as error:
        console.print("[red]error:[/red] the value piped in is not UTF-8 text")
        raise typer.Exit(1) from error
    return text.removesuffix("\n").removesuffix("\r")


def _with_server_vault(work: Callable[[ServerVault], Awaitable[T]]) -> T:
    """Run `work` on the server's vault (migrating the database first, as `serve` does); a
    refused name or value, or a missing secret, ends the command with `error: ...` (exit 1)."""

    async def run(services: Services) -> T:
        return await work(services.server_vault)

    configure_logging("WARNING")
    try:
        return asyncio.run(_with_services(Settings(), run))
    except DomainError as error:
        console.print(f"[red]error:[/red] {escape(error.message)}")
        raise typer.Exit(1) from error


async def _with_services(settings: Settings, work: Callable[[Services], Awaitable[T]]) -> T:
    services = await build_services(settings)
    try:
        return await work(services)
    finally:
        await services.aclose()


async def _pending(settings: Settings) -> int:
    return await _with_services(settings, lambda services: services.reencryption.pending())


async def _reencrypt(settings: Settings) -> None:
    async def run(services: Services) -> tuple[int, int]:
        reencryption = services.reencryption
        total = await reencryption.pending()
        with counted_progress("re-encrypting") as bar:
            task = bar.add_task("secrets", total=total)
            done = await reencryption.run(lambda count: bar.advance(task, count))
        return done, await reencryption.pending()

    done, left = await _with_services(settings, run)
    console.print(f"re-encrypted {done} secrets; {left} still sealed with an old key")
