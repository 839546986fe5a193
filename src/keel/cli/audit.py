"""`keel audit verify|list`: check the hash chain and read the log."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime

import typer
from rich.table import Table

from keel.cli.database import open_database
from keel.cli.output import console, err_console, keel_errors, print_json
from keel.govern import audit as audit_domain
from keel.store.audit import entries_between

app = typer.Typer(help="Verify, list and export the audit log.", no_args_is_help=True)


@app.command("verify")
def verify(as_json: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """Check every entry's hash and link; name the first broken entry and exit 1 if any."""
    with keel_errors(), open_database() as database, database.read() as session:
        result = audit_domain.verify(session)
    if as_json:
        print_json(asdict(result))
    elif result.ok:
        console.print(
            f"[green]audit log intact[/green]: {result.checked} entries, "
            f"head {result.head_seq} {result.head_hash}"
        )
    else:
        err_console.print(
            f"[red]audit log broken at entry {result.broken_seq}[/red]: {result.reason} "
            f"({result.checked} entries verified before it)",
            highlight=False,
        )
    if not result.ok:
        raise typer.Exit(code=1)


@app.command("list")
def list_entries(
    since: datetime | None = typer.Option(None, "--since", help="From this time (UTC if naive)."),
    until: datetime | None = typer.Option(None, "--until", help="Before this time."),
    action: str | None = typer.Option(None, "--action", help="Only this action, e.g. key.revoked."),
    limit: int = typer.Option(50, "--limit", min=1, max=10_000, help="How many, newest first."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """List the newest audit entries."""
    with keel_errors(), open_database() as database, database.read() as session:
        rows = [
            audit_domain.entry_record(entry)
            for entry in entries_between(session, since, until, action, limit, newest_first=True)
        ]
    if as_json:
        print_json(rows)
        return
    table = Table("seq", "when", "action", "subject", "actor", "hash")
    for row in rows:
        table.add_row(
            str(row["seq"]), str(row["created_at"]), str(row["action"]), str(row["subject"]),
            str(row["actor"]), str(row["entry_hash"])[:16],
        )  # fmt: skip
    console.print(table)
