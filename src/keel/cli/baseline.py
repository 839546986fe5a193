"""`keel baseline create|list|show`: freeze populations of runs to compare later windows with."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer
from rich.table import Table

from keel.cli.context import cli_settings
from keel.cli.database import open_database
from keel.cli.output import cli_actor, console, keel_errors, print_json
from keel.core.errors import NotFound
from keel.core.timespan import parse_moment

if TYPE_CHECKING:
    from keel.store.models import Baseline

app = typer.Typer(help="Named, frozen snapshots of a population of runs.", no_args_is_help=True)


def baseline_json(baseline: Baseline) -> dict[str, object]:
    """Return what the CLI and API show of a baseline (not its raw population)."""
    return {
        "name": baseline.name,
        "workflow_type": baseline.workflow_type,
        "model": baseline.model,
        "config": baseline.config,
        "since": baseline.since,
        "until": baseline.until,
        "created_at": baseline.created_at,
        "n_runs": baseline.n_runs,
        # Baselines frozen before items were the contract's `item_key` stored `ticket_ids`.
        "item_ids": baseline.run_ids.get("item_ids", baseline.run_ids.get("ticket_ids", [])),
        "summary": baseline.summary,
    }


@app.command("create")
def create(
    name: str = typer.Argument(..., help="Unique name of the baseline."),
    workflow: str = typer.Option(..., "--workflow", help="Workflow type, e.g. support."),
    model: str | None = typer.Option(None, "--model", help="Only runs of this model."),
    config: str | None = typer.Option(None, "--config", help="Only runs with this config label."),
    since: str | None = typer.Option(
        None, "--since", help="ISO date/time, or a span ago like 28d (inclusive)."
    ),
    until: str | None = typer.Option(
        None, "--until", help="ISO date/time, or a span ago like 7d (exclusive)."
    ),
    embed: bool = typer.Option(True, "--embed/--no-embed", help="Keep answer embeddings."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Freeze the matching runs as baseline NAME."""
    # Imported here: the statistics and embedding stacks are heavy, and `keel --help` is not.
    from keel.drift.baseline import create_baseline
    from keel.drift.embedding import answer_embedder
    from keel.store.drift import PopulationFilter

    with keel_errors():
        filters = PopulationFilter(
            workflow, model, config, parse_moment(since, "since"), parse_moment(until, "until")
        )
        settings = cli_settings()
        with open_database(settings) as database, database.write() as session:
            embedder = answer_embedder(settings.embedder) if embed else None
            baseline = create_baseline(session, name, filters, embedder, actor=cli_actor())
            shown = baseline_json(baseline)
    if as_json:
        print_json(shown)
        return
    console.print(f"baseline [bold]{name}[/bold]: {shown['n_runs']} {workflow} runs frozen")


@app.command("list")
def list_command(as_json: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """List baselines, newest first."""
    from keel.store.drift import list_baselines

    with open_database(cli_settings()) as database, database.read() as session:
        rows = [baseline_json(b) for b in list_baselines(session)]
    if as_json:
        print_json(rows)
        return
    table = Table("name", "workflow", "model", "config", "runs", "created")
    for row in rows:
        table.add_row(
            str(row["name"]),
            str(row["workflow_type"]),
            str(row["model"] or "-"),
            str(row["config"] or "-"),
            str(row["n_runs"]),
            str(row["created_at"]),
        )
    console.print(table)


@app.command("show")
def show(
    name: str = typer.Argument(..., help="The baseline's name."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Show one baseline's summary."""
    from keel.store.drift import get_baseline

    with keel_errors(), open_database(cli_settings()) as database, database.read() as session:
        baseline = get_baseline(session, name)
        if baseline is None:
            raise NotFound(f"no baseline named {name!r}", field="name")
        shown = baseline_json(baseline)
    if as_json:
        print_json(shown)
        return
    console.print_json(data=shown, default=str)
