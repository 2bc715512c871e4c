"""`dreamjob export` and `dreamjob runs`: an account's postings as a file, and its runs."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from dreamjobsearch.cli_progress import console
from dreamjobsearch.cli_workspace import account_workspace, fail, run_command
from dreamjobsearch.config import Settings
from dreamjobsearch.export import ExportFile, ExportFormat
from dreamjobsearch.storage.models import Run

EmailOption = Annotated[str, typer.Option(help="whose postings")]


def export(
    email: EmailOption,
    kind: Annotated[ExportFormat, typer.Option("--format", help="csv or json")] = "csv",
    output: Annotated[
        Path | None,
        typer.Option(dir_okay=False, help="write to this file (default: standard output)"),
    ] = None,
    keywords: Annotated[
        list[str] | None,
        typer.Option(
            "--keywords",
            "--keyword",
            help="export only the ranked view of these keywords (repeatable; default: "
            "every posting of the account)",
        ),
    ] = None,
) -> None:
    """Export the account's postings as CSV or JSON, with the columns of the API's export.

    Without keywords: every posting, any status, the most recently found first. CSV cells
    that a spreadsheet would run as a formula start with a quote.
    """
    exported = run_command(_export(Settings(), email, kind, keywords or []))
    if output is None:
        # The data alone on standard output, so it can be piped or redirected.
        typer.echo(exported.content, nl=False)
        return
    try:
        output.write_bytes(exported.content)
    except OSError as error:
        fail(f"cannot write {output}: {error.strerror}")
    console.print(f"exported {exported.count} postings to {escape(str(output))}")


async def _export(
    settings: Settings, email: str, kind: ExportFormat, keywords: list[str]
) -> ExportFile:
    async with account_workspace(settings, email) as (_services, workspace):
        if keywords:
            return await workspace.export(kind, keywords)
        return await workspace.export_everything(kind)


def runs(
    email: Annotated[str, typer.Option(help="whose runs")],
    limit: Annotated[int, typer.Option(min=1, max=100, help="how many, newest first")] = 20,
) -> None:
    """List the account's recent update runs: id, status, when, counts and any error."""
    found = run_command(_runs(Settings(), email, limit))
    table = Table(title=f"{len(found)} most recent runs")
    # The whole id, never wrapped: it is what `GET /runs/{id}` takes.
    table.add_column("id", no_wrap=True, min_width=32)
    for column in ("status", "started", "finished", "counts", "error"):
        table.add_column(column, overflow="fold")
    for run in found:
        table.add_row(
            run.id,
            run.status,
            _when(run.started_at) or f"queued {_when(run.created_at)}",
            _when(run.finished_at),
            escape(", ".join(f"{name} {value}" for name, value in run.counts.items())),
            escape("; ".join(note for note in (run.error, run.message) if note)),
        )
    console.print(table)


async def _runs(settings: Settings, email: str, limit: int) -> list[Run]:
    async with account_workspace(settings, email) as (_services, workspace):
        return await workspace.runs(limit)


def _when(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S UTC") if moment else ""
