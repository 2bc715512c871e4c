"""The `dreamjob` command: serve the API, import postings, watch sessions."""

from __future__ import annotations

import asyncio
from contextlib import closing
from pathlib import Path
from typing import Annotated

import httpx
import typer
import uvicorn
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from dreamjobsearch.app import create_app
from dreamjobsearch.config import Settings
from dreamjobsearch.errors import DomainError
from dreamjobsearch.logging_setup import configure_logging
from dreamjobsearch.services import build_services
from dreamjobsearch.sources.files import kind_of

app = typer.Typer(help="DreamJobSearch: collect job postings and rank them by your keywords.")
sessions_app = typer.Typer(help="Watch and end sessions on a running server (admins).")
app.add_typer(sessions_app, name="sessions")
console = Console()


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="address to listen on")] = None,
    port: Annotated[int | None, typer.Option(help="port to listen on")] = None,
) -> None:
    """Start the API (migrating the database first); docs at /docs."""
    settings = Settings()
    configure_logging(settings.log_level)
    uvicorn.run(
        create_app(settings),
        host=host or settings.host,
        port=port if port is not None else settings.port,
        log_level=settings.log_level.lower(),
        proxy_headers=False,
    )


@app.command("import")
def import_file(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help=".json or .csv")],
    email: Annotated[str, typer.Option(help="the account that receives the postings")],
) -> None:
    """Import postings from a JSON or CSV file into an account, with a progress bar."""
    settings = Settings()
    configure_logging("WARNING")
    try:
        asyncio.run(_import(settings, file, email))
    except DomainError as error:
        console.print(f"[red]error:[/red] {error.message}")
        raise typer.Exit(1) from error


async def _import(settings: Settings, file: Path, email: str) -> None:
    services = await build_services(settings)
    try:
        user = await services.users.by_email(email)
        if user is None:
            console.print(f"[red]error:[/red] no account {email!r}: register it first")
            raise typer.Exit(1)
        workspace = services.workspace_for(user.id, user.email, user.workspace_config)
        data = await asyncio.to_thread(file.read_bytes)
        with Progress(
            TextColumn("[bold]importing"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console,
        ) as bar:
            task = bar.add_task("import", total=None)
            report = await workspace.import_document(
                data,
                kind_of(file),
                lambda done, total: bar.update(task, completed=done, total=total),
            )
    finally:
        await services.aclose()
    console.print(
        f"imported [green]{report.imported}[/green], duplicates {report.duplicates}, "
        f"rejected [yellow]{len(report.rejected)}[/yellow]"
    )
    for rejection in report.rejected[:20]:
        console.print(f"  row {rejection.index}: {rejection.reason}")


ServerOption = Annotated[str, typer.Option(help="the running server's URL")]
TokenOption = Annotated[
    str | None, typer.Option(envvar="DREAMJOB_TOKEN", help="an admin's bearer token")
]
EmailOption = Annotated[
    str | None, typer.Option(help="log in as this admin (asks for the password)")
]


def _admin_client(server: str, token: str | None, email: str | None) -> tuple[httpx.Client, bool]:
    client = httpx.Client(base_url=server, timeout=15)
    if token:
        client.headers["Authorization"] = f"Bearer {token}"
        return client, False
    if not email:
        client.close()
        raise typer.BadParameter("give --token (or DREAMJOB_TOKEN) or --email")
    password = typer.prompt("password", hide_input=True)
    response = client.post("/login", json={"email": email, "password": password})
    _check(response)
    client.headers["Authorization"] = f"Bearer {response.json()['access_token']}"
    return client, True


def _check(response: httpx.Response) -> None:
    if response.is_error:
        try:
            detail = response.json().get("detail")
        except ValueError:
            detail = response.text
        console.print(f"[red]error {response.status_code}:[/red] {detail}")
        raise typer.Exit(1)


@sessions_app.command("list")
def sessions_list(
    server: ServerOption = "http://127.0.0.1:8000",
    token: TokenOption = None,
    email: EmailOption = None,
    wide: Annotated[bool, typer.Option(help="show whole session ids")] = False,
) -> None:
    """Show every session on the server: who, since when, last seen, streams, memory."""
    client, logged_in = _admin_client(server, token, email)
    with closing(client):  # may be open already (--email logged in with it)
        response = client.get("/admin/sessions")
        _check(response)
        if logged_in:
            client.post("/logout")
    stats = response.json()
    table = Table(
        title=(
            f"{stats['total_sessions']} sessions, {stats['active_users']} users, "
            f"{stats['memory_bytes']:,} bytes"
        )
    )
    table.add_column("sid", no_wrap=True, min_width=44 if wide else None)
    for column in ("email", "created", "last seen", "expires", "streams", "bytes"):
        table.add_column(column)
    for row in stats["sessions"]:
        table.add_row(
            row["sid"] if wide else row["sid"][:12] + "…",
            row["email"],
            row["created_at"][:19],
            row["last_accessed"][:19],
            row["expires_at"][:19],
            str(row["subscribers"]),
            f"{row['memory_bytes']:,}",
        )
    console.print(table)


@sessions_app.command("end")
def sessions_end(
    sid: Annotated[str, typer.Argument(help="the session id (full, from `sessions list --wide`)")],
    server: ServerOption = "http://127.0.0.1:8000",
    token: TokenOption = None,
    email: EmailOption = None,
) -> None:
    """End one session on the server."""
    client, logged_in = _admin_client(server, token, email)
    with closing(client):  # may be open already (--email logged in with it)
        _check(client.delete(f"/admin/sessions/{sid}"))
        if logged_in:
            client.post("/logout")
    console.print("session ended")
