"""`dreamjob secrets ...`: keys for secrets at rest: make one, rotate, re-encrypt, retire."""

from __future__ import annotations

import asyncio

import typer

from dreamjobsearch.cli_progress import console, counted_progress
from dreamjobsearch.config import Settings
from dreamjobsearch.logging_setup import configure_logging
from dreamjobsearch.services import build_services
from dreamjobsearch.vault.keys import (
    KEY_FILE,
    drop_old_keys,
    new_key,
    rotate_key_file,
    uses_key_file,
)

secrets_app = typer.Typer(help="Keys for the credentials users store (AES-GCM at rest).")

ENV_ROTATION = (
    "the keys come from DREAMJOB_SECRET_KEY: set DREAMJOB_SECRET_KEY to a new key "
    "(dreamjob secrets new-key) and DREAMJOB_SECRET_OLD_KEYS to the old one(s), restart, "
    "then run: dreamjob secrets reencrypt"
)


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


async def _pending(settings: Settings) -> int:
    services = await build_services(settings)
    try:
        return await services.vault.pending_reencryption()
    finally:
        await services.aclose()


async def _reencrypt(settings: Settings) -> None:
    services = await build_services(settings)
    try:
        vault = services.vault
        total = await vault.pending_reencryption()
        with counted_progress("re-encrypting") as bar:
            task = bar.add_task("secrets", total=total)
            done = await vault.reencrypt_all(lambda count: bar.advance(task, count))
        left = await vault.pending_reencryption()
    finally:
        await services.aclose()
    console.print(f"re-encrypted {done} secrets; {left} still sealed with an old key")
