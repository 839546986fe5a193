"""`keel runs list|show`: read runs from the store."""

from __future__ import annotations

import typer
from rich.table import Table

from keel.cli.context import cli_settings
from keel.cli.database import open_database
from keel.cli.output import console, keel_errors, print_json
from keel.core.money import format_usd

app = typer.Typer(help="List and inspect runs.", no_args_is_help=True)


def _fmt(value: float | None, digits: int = 1) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


@app.command("list")
def list_runs(
    workflow: str | None = typer.Option(None, "--workflow", help="Only this workflow type."),
    status: str | None = typer.Option(None, "--status", help="Only this status."),
    limit: int = typer.Option(20, "--limit", min=1, max=500, help="How many runs."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """List the newest runs."""
    from keel.reports.runs import runs_data
    from keel.store.runs import RunFilters

    with keel_errors(), open_database(cli_settings()) as database, database.read() as session:
        page = runs_data(session, RunFilters(workflow_type=workflow, status=status), limit=limit)
    rows = page.model_dump(mode="json")["runs"]
    if as_json:
        print_json(rows)
        return
    table = Table("run", "workflow", "model", "status", "tools", "tokens", "cost", "stability")
    for row in rows:
        table.add_row(
            row["run_id"],
            row["workflow_type"],
            row["model"] or "-",
            row["status"],
            str(row["tool_count"]),
            str(row["total_tokens"]),
            format_usd(row["cost_usd"]),
            _fmt(row["stability"]),
        )
    console.print(table)


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
    events_table = Table("seq", "type", "name", "started", "status")
    for event in events:
        events_table.add_row(
            str(event["seq"]),
            event["event_type"],
            event["name"] or "",
            event["started_at"] or "",
            event["status"] or "",
        )
    console.print(events_table)
    calls_table = Table("seq", "tool", "args", "latency ms", "error")
    for call in calls:
        calls_table.add_row(
            str(call["seq"]),
            call["tool_name"],
            call["args_preview"][:60],
            _fmt(call["latency_ms"]),
            call["error"] or "",
        )
    console.print(calls_table)
