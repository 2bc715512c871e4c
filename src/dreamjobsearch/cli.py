"""The `dreamjob` command: serve the API, register, import, update, search, export postings,
list runs, watch sessions."""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Sequence
from contextlib import closing
from datetime import datetime
from pathlib import Path
from typing import Annotated

import httpx
import typer
import uvicorn
from pydantic import ValidationError
from rich.markup import escape
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.style import Style
from rich.table import Table
from rich.text import Text

from dreamjobsearch.app import create_app
from dreamjobsearch.cli_account import register
from dreamjobsearch.cli_admin import admin_app
from dreamjobsearch.cli_postings import export, runs
from dreamjobsearch.cli_progress import bytes_progress, console
from dreamjobsearch.cli_secrets import secrets_app
from dreamjobsearch.cli_workspace import account_workspace, fail, run_command
from dreamjobsearch.config import Settings
from dreamjobsearch.domain.ranking import RankedPosting, normalize_keywords
from dreamjobsearch.errors import InvalidInputError
from dreamjobsearch.events.base import Subscription
from dreamjobsearch.http_server.options import connection_options, raise_open_files_limit
from dreamjobsearch.logging_setup import configure_logging
from dreamjobsearch.params.update import UpdateParams
from dreamjobsearch.runs.fair_queue import FairQueue
from dreamjobsearch.runs.queue import RunsWorker, queue_name
from dreamjobsearch.services import build_services
from dreamjobsearch.sources.catalog import SourceSpec, parse_source, short_forms
from dreamjobsearch.sources.files import DocumentKind, UnsupportedFileTypeError, kind_of
from dreamjobsearch.workspace import ImportReport

# Rejected rows an import lists (the rest are counted).
SHOWN_REJECTIONS = 20
app = typer.Typer(help="DreamJobSearch: collect job postings and rank them by your keywords.")
sessions_app = typer.Typer(help="Watch and end sessions on a running server (admins).")
app.add_typer(sessions_app, name="sessions")
app.add_typer(secrets_app, name="secrets")
app.add_typer(admin_app, name="admin")
app.command()(register)
app.command()(export)
app.command()(runs)


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="address to listen on")] = None,
    port: Annotated[int | None, typer.Option(help="port to listen on")] = None,
) -> None:
    """Start the API (migrating the database first); docs at /docs."""
    settings = Settings()
    configure_logging(settings.log_level)
    try:
        settings.check_retired()
    except ValueError as error:
        console.print(f"[red]error:[/red] {error}")
        raise typer.Exit(1) from error
    raise_open_files_limit(settings.max_connections)
    uvicorn.run(
        create_app(settings),
        host=host or settings.host,
        port=port if port is not None else settings.port,
        log_level=settings.log_level.lower(),
        # uvicorn's records (its access lines too) go to the handler `configure_logging`
        # set up, so every line has one format, with its time.
        log_config=None,
        # Header size and time, connections, requests in progress, keep-alive: bounded.
        **connection_options(settings),
        # Only a proxy named in FORWARDED_ALLOW_IPS may say who the client is and whether
        # it came over HTTPS (for the Secure cookie and per-client login throttling).
        proxy_headers=bool(settings.forwarded_allow_ips),
        forwarded_allow_ips=settings.forwarded_allow_ips or None,
    )


@app.command()
def worker() -> None:
    """Execute update runs from the job queue (with DREAMJOB_RUNNER=queue on the API side)."""
    settings = Settings()
    configure_logging(settings.log_level)
    if not settings.redis_url:
        console.print("[red]error:[/red] the worker needs DREAMJOB_REDIS_URL (the job queue)")
        raise typer.Exit(1)
    asyncio.run(_work(settings))


async def _work(settings: Settings) -> None:
    services = await build_services(settings)
    await services.log_mail_login()
    redis_url = settings.redis_url or ""
    queue = FairQueue.from_url(redis_url, name=queue_name(settings.redis_prefix))
    runs_worker = RunsWorker(
        queue,
        services.pipeline,
        services.runs,
        settings.run_concurrency,
        settings.run_heartbeat,
        settings.worker_shutdown_grace,
    )
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signal_number in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signal_number, stopping.set)
    working = asyncio.create_task(runs_worker.start())
    stop_asked = asyncio.create_task(stopping.wait())
    console.print(f"worker ready: queue {queue.name!r}, {settings.run_concurrency} runs at once")
    try:
        await asyncio.wait({working, stop_asked}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        stop_asked.cancel()
        await runs_worker.stop()
        await services.aclose()


@app.command("import")
def import_file(
    file: Annotated[
        Path, typer.Argument(exists=True, dir_okay=False, help=".json, .jsonl or .csv")
    ],
    email: Annotated[str, typer.Option(help="the account that receives the postings")],
) -> None:
    """Import postings from a JSON, JSON Lines or CSV file of any size into an account.

    The file is read a piece at a time (memory stays small however large it is), each
    piece stored in its own transaction, with a progress bar. Importing the same file
    again skips what is stored. Exits with status 1 when the file has rows and every one
    of them is rejected, or when it breaks part-way (what came before is kept).
    """
    try:
        kind = kind_of(file)
    except UnsupportedFileTypeError as error:
        raise typer.BadParameter(error.message, param_hint="FILE") from error
    report = run_command(_import(Settings(), file, kind, email))
    console.print(
        f"imported [green]{report.imported}[/green], duplicates {report.duplicates}, "
        f"rejected [yellow]{report.rejected_total}[/yellow]"
    )
    for rejection in report.rejected[:SHOWN_REJECTIONS]:
        console.print(f"  row {rejection.index}: {escape(rejection.reason)}")
    if report.rejected_total > SHOWN_REJECTIONS:
        console.print(f"  and {report.rejected_total - SHOWN_REJECTIONS} more rows rejected")
    if report.rejected_total and not report.imported and not report.duplicates:
        fail(f"every row of {file.name} was rejected: nothing imported")


async def _import(settings: Settings, file: Path, kind: DocumentKind, email: str) -> ImportReport:
    async with account_workspace(settings, email) as (services, workspace):
        size = (await asyncio.to_thread(file.stat)).st_size
        with bytes_progress("importing") as bar:
            task = bar.add_task("import", total=size, rows=0)
            report = await workspace.import_file(
                file, kind, lambda done, rows: bar.update(task, completed=done, rows=rows)
            )
            bar.update(task, completed=size)
        if report.imported:
            # Stored in the database: the server's first ranking starts from it.
            with console.status("preparing the ranking index"):
                await services.warm_up(workspace.user_id)
    return report


@app.command()
def update(
    email: Annotated[str, typer.Option(help="the account the postings are for")],
    query: Annotated[list[str], typer.Option(help="what to search for (repeatable)")],
    location: Annotated[
        list[str] | None, typer.Option(help="where (repeatable; none: anywhere)")
    ] = None,
    source: Annotated[
        list[str] | None,
        typer.Option(
            help=f"{short_forms()}, or a company's careers-page address "
            "(repeatable; default: linkedin)"
        ),
    ] = None,
    published_after: Annotated[
        datetime | None, typer.Option(help="only postings published since (ISO date)")
    ] = None,
    max_jobs_per_search: Annotated[int, typer.Option(min=1, max=1000)] = 100,
) -> None:
    """Run an update in the terminal: search the boards, fetch new postings, store them."""
    settings = Settings()
    specs = [_source_option(text) for text in source] if source else None
    try:
        params = UpdateParams(
            queries=query,
            locations=location or [""],
            sources=specs,
            published_after=published_after,
            max_jobs_per_search=max_jobs_per_search,
        )
    except ValidationError as error:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in error.errors())
        raise typer.BadParameter(problems) from error
    run_command(_update(settings, email, params))


def _source_option(text: str) -> SourceSpec:
    try:
        return parse_source(text)
    except (InvalidInputError, ValidationError) as error:
        raise typer.BadParameter(
            f"--source {text!r}: use {short_forms()} or a company's careers-page address"
        ) from error


async def _update(settings: Settings, email: str, params: UpdateParams) -> None:
    async with account_workspace(settings, email) as (services, workspace):
        subscription = services.bus.subscribe(workspace.user_id)
        try:
            run = await workspace.start_update(params)
            final = await _follow(subscription, run.id)
        finally:
            services.bus.unsubscribe(subscription)
        done = await workspace.run(run.id)
    counts = ", ".join(f"{name} {value}" for name, value in done.counts.items())
    colour = "green" if final == "succeeded" else "red"
    console.print(f"run [{colour}]{final}[/{colour}]: {counts}")
    for note in (done.error, done.message):
        if note:
            console.print(f"  {note}")
    if final != "succeeded":
        raise typer.Exit(1)


async def _follow(subscription: Subscription, run_id: str) -> str:
    """Show the run's progress until it ends; returns its final status."""
    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        TextColumn("{task.percentage:>3.0f}%"),
        TextColumn("{task.fields[counts]}"),
        TimeElapsedColumn(),
        console=console,
    ) as bar:
        task = bar.add_task("searching", total=100, counts="")
        while (event := await subscription.get()) is not None:
            if event.run_id not in (run_id, None):
                continue
            data = event.data
            if event.kind == "progress":
                summary = f"found {data['links_found']}, new {data['new']}, errors {data['errors']}"
                bar.update(task, completed=data["percent"], counts=summary)
            elif event.kind == "log" and event.level in ("warning", "error"):
                bar.console.print(f"[yellow]{event.message}[/yellow]")
            elif event.kind == "run_state" and data["status"] not in ("queued", "running"):
                bar.update(task, completed=100)
                return str(data["status"])
    return "interrupted"


@app.command()
def search(
    email: Annotated[str, typer.Option(help="whose postings")],
    keywords: Annotated[list[str], typer.Option("--keywords", "--keyword", help="repeatable")],
    location: Annotated[str | None, typer.Option(help="only postings located here")] = None,
    limit: Annotated[int, typer.Option(min=1, max=500)] = 20,
) -> None:
    """Print your postings ranked by how many of the keywords they contain.

    The table numbers them; their links follow it, each on a line of its own and never
    broken by the table, so a link can be clicked or copied whole in any terminal width.
    """
    run_command(_search(Settings(), email, keywords, location, limit))


async def _search(
    settings: Settings, email: str, keywords: list[str], location: str | None, limit: int
) -> None:
    if not normalize_keywords(keywords):
        # The option is required, so blank keywords are a slip, not a wish to list everything.
        raise InvalidInputError("give at least one non-blank keyword")
    async with account_workspace(settings, email) as (_services, workspace):
        page = await workspace.rank(keywords, location, limit, 0)
    table = Table(title=f"{page.total} matching postings (showing {len(page.items)})")
    for column in ("#", "score", "title", "company", "location", "posted", "matched"):
        table.add_column(column, overflow="fold")
    for number, item in enumerate(page.items, start=1):
        posting = item.posting
        table.add_row(
            str(number),
            str(item.score),
            escape(posting.title),
            escape(posting.company),
            escape(posting.location),
            posting.posted_at.date().isoformat() if posting.posted_at else "",
            escape(", ".join(item.matched_keywords)),
        )
    console.print(table)
    _print_links(page.items)


def _print_links(items: Sequence[RankedPosting]) -> None:
    """Each result's links after its number, one a line, as terminal hyperlinks.

    Soft-wrapped: rich never breaks a link with a newline (as a table cell would); a
    terminal narrower than the link folds it on screen and still copies and opens it whole.
    """
    for number, item in enumerate(items, start=1):
        for _source, link in item.links:
            line = Text(f"{number}. ")
            line.append(link, style=Style(link=link))
            console.print(line, soft_wrap=True)


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
