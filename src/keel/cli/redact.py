"""`keel redact`: mask secrets in rows stored before they were redacted (idempotent)."""

from __future__ import annotations

import typer

from keel.cli.context import cli_settings
from keel.cli.database import open_database
from keel.cli.output import console, keel_errors, print_json


def redact(
    batch_rows: int = typer.Option(500, "--batch-rows", min=1, help="Rows per transaction."),
    as_json: bool = typer.Option(False, "--json", help="Print counts as JSON."),
) -> None:
    """Rewrite stored runs, events, tool calls, replays, flags and alerts through the redactor
    (built-in detectors plus KEEL_REDACT_PATTERNS); a second run changes nothing."""
    from keel.core import sanitize
    from keel.store.redact import redact_stored

    settings = cli_settings()
    with keel_errors(), open_database(settings) as database:
        changed = redact_stored(database, sanitize.configure(settings), batch_rows)
    if as_json:
        print_json(changed)
        return
    total = sum(changed.values())
    details = ", ".join(f"{table} {n}" for table, n in changed.items() if n)
    console.print(f"rewrote {total} rows" + (f" ({details})" if details else ""))
