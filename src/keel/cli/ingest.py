"""`keel ingest FILE.jsonl`: the native batch format from a file, through the same code path."""

from __future__ import annotations

from pathlib import Path

import typer

from keel.cli.context import cli_settings
from keel.cli.database import open_database
from keel.cli.output import cli_actor, console, keel_errors, print_json


def ingest(
    file: Path = typer.Argument(..., exists=True, dir_okay=False, help="JSON Lines, one run each."),
    as_json: bool = typer.Option(False, "--json", help="Print counts as JSON."),
) -> None:
    """Store the runs of FILE in one transaction (all or nothing); re-sent runs are skipped."""
    from keel.core.pricing import load_prices
    from keel.ingest.native import parse_jsonl, to_records
    from keel.ingest.storing import store_runs

    with keel_errors():
        settings = cli_settings()
        batch = parse_jsonl(file.read_text(encoding="utf-8").splitlines())
        records = to_records(batch, load_prices(settings.prices_file))
        with open_database(settings) as database, database.write() as session:
            counts = store_runs(session, records, cli_actor(), "cli")
    if as_json:
        print_json(counts.as_dict())
        return
    console.print(
        f"runs: {counts.runs_inserted} inserted, {counts.runs_duplicate} already stored; "
        f"events: {counts.events_inserted} inserted; tool calls: {counts.tool_calls_inserted}"
    )
