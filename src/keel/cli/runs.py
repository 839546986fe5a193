"""`keel runs list|show`: read runs from the store."""

from __future__ import annotations

from typing import Any

import typer

from keel.cli.context import cli_settings
from keel.cli.database import open_database
from keel.cli.output import console, data_table, keel_errors, print_json, print_table
from keel.core.money import format_usd

app = typer.Typer(help="List and inspect runs.", no_args_is_help=True)

#: What `keel runs list` shows, in 80 columns; `--wide` adds the rest.
NARROW = ("run", "workflow", "status", "cost", "stability")
WIDE = (
    "run",
    "workflow",
    "model",
    "config",
    "status",
    "tools",
    "tokens",
    "cost",
    "stability",
    "risk",
    "derived",
)
#: Columns that never break: ids to copy, and figures.
WHOLE = ("run", "status", "tools", "tokens", "cost", "stability", "risk", "derived")


def _fmt(value: float | None, digits: int = 1) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def _cells(row: dict[str, Any]) -> dict[str, str]:
    """Return each column's cell of one runs-list row."""
    return {
        "run": row["run_id"],
        "workflow": row["workflow_type"],
        "model": row["model"] or "-",
        "config": row["config"] or "-",
        "status": row["status"],
        "tools": str(row["tool_count"]),
        "tokens": str(row["total_tokens"]),
        "cost": format_usd(row["cost_usd"]),
        "stability": _fmt(row["stability"]),
        "risk": _fmt(row["risk"]),
        "derived": str(len(row["derived"])),
    }


@app.command("list")
def list_runs(
    workflow: str | None = typer.Option(None, "--workflow", help="Only this workflow type."),
    status: str | None = typer.Option(None, "--status", help="Only this status."),
    limit: int = typer.Option(20, "--limit", min=1, max=500, help="How many runs."),
    show_all: bool = typer.Option(
        False, "--all", help="List replays and heals as runs of their own, not folded."
    ),
    wide: bool = typer.Option(
        False, "--wide", help="All columns (model, config, tools, tokens, risk, derived)."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """List the newest runs: originals, with their replays and heals folded under them."""
    from keel.reports.runs import runs_data
    from keel.store.runs import RunFilters

    filters = RunFilters(workflow_type=workflow, status=status, originals_only=not show_all)
    with keel_errors(), open_database(cli_settings()) as database, database.read() as session:
        page = runs_data(session, filters, limit=limit)
    listing = {"show": "all" if show_all else "originals", **page.model_dump(mode="json")}
    if as_json:
        print_json(listing)
        return
    headers = WIDE if wide else NARROW
    table = data_table(headers, whole=WHOLE)
    for row in listing["runs"]:
        cells = _cells(row)
        table.add_row(*(cells[header] for header in headers))
    print_table(table, wide=wide)
    folded = sum(len(row["derived"]) for row in listing["runs"])
    if folded and not show_all:
        runs, them = ("run", "it") if folded == 1 else ("runs", "them")
        console.print(f"{folded} replay or heal {runs} folded under these; --all lists {them}")


@app.command("show")
def show(
    run_id: str = typer.Argument(..., help="The run's id."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Show one run with its events and tool calls."""
    from keel.reports.rows import RunSummary
    from keel.reports.run_detail import run_detail_data, run_out

    with keel_errors(), open_database(cli_settings()) as database, database.read() as session:
        report = run_out(run_detail_data(session, run_id))
    # What `keel runs show` prints: the run's row, output and metrics, events and tool calls.
    shown = {*RunSummary.model_fields, "output", "metrics", "events", "tool_calls"}
    run = report.model_dump(mode="json", include=shown)
    events, calls = run["events"], run["tool_calls"]
    if as_json:
        print_json(run)
        return
    console.print(
        f"[bold]{run['run_id']}[/bold]  {run['workflow_type']}  {run['model'] or '-'}  "
        f"{run['status']}  tokens={run['total_tokens']}  cost={format_usd(run['cost_usd'])}"
    )
    events_table = data_table(("seq", "type", "name", "started", "status"), whole=("seq", "type"))
    for event in events:
        events_table.add_row(
            str(event["seq"]),
            event["event_type"],
            event["name"] or "",
            event["started_at"] or "",
            event["status"] or "",
        )
    console.print(events_table)
    calls_table = data_table(("seq", "tool", "args", "latency ms", "error"), whole=("seq", "tool"))
    for call in calls:
        calls_table.add_row(
            str(call["seq"]),
            call["tool_name"],
            call["args_preview"][:60],
            _fmt(call["latency_ms"]),
            call["error"] or "",
        )
    console.print(calls_table)
