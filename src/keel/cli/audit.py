"""`keel audit verify|list|export`: check the hash chain, read the log, export an extract."""

from __future__ import annotations

import enum
import sys
from dataclasses import asdict
from datetime import datetime
from pathlib import Path

import typer
from rich.table import Table

from keel.cli.context import cli_settings
from keel.cli.database import open_database
from keel.cli.output import console, err_console, keel_errors, print_json

app = typer.Typer(help="Verify, list and export the audit log.", no_args_is_help=True)


@app.command("verify")
def verify(
    file: Path | None = typer.Option(
        None,
        "--file",
        exists=True,
        dir_okay=False,
        help="Check this JSONL export (`keel audit export`) instead of the database.",
    ),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Check every entry's hash and link; name the first broken entry and exit 1 if any."""
    from keel.govern import audit as audit_domain
    from keel.govern.export_check import verify_extract

    with keel_errors():
        if file is not None:
            with file.open(encoding="utf-8") as lines:
                result = verify_extract(lines)
        else:
            with open_database(cli_settings()) as database, database.read() as session:
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
    from keel.govern import audit as audit_domain
    from keel.store.audit import entries_between

    with keel_errors(), open_database(cli_settings()) as database, database.read() as session:
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
            str(row["seq"]),
            str(row["created_at"]),
            str(row["action"]),
            str(row["subject"]),
            str(row["actor"]),
            str(row["entry_hash"])[:16],
        )
    console.print(table)


class ExportFormat(enum.StrEnum):
    JSONL = "jsonl"
    CSV = "csv"


@app.command("export")
def export(
    since: datetime | None = typer.Option(None, "--since", help="From this time (UTC if naive)."),
    until: datetime | None = typer.Option(None, "--until", help="Before this time."),
    fmt: ExportFormat = typer.Option(ExportFormat.JSONL, "--format", help="jsonl or csv."),
    output: Path | None = typer.Option(None, "--output", help="Write here instead of stdout."),
) -> None:
    """Write a reviewer's extract: entries with chain hashes, their runs, flags and decisions.

    The whole chain is verified first; a broken chain is reported and the exit code is 1.
    """
    from keel.govern import export as export_domain

    with keel_errors(), open_database(cli_settings()) as database, database.read() as session:
        extract = export_domain.build_extract(session, since, until)
    if fmt is ExportFormat.JSONL:
        text = "".join(line + "\n" for line in export_domain.jsonl_lines(extract))
    else:
        text = export_domain.csv_text(extract)
    if output is None:
        sys.stdout.write(text)
    else:
        output.write_text(text, encoding="utf-8")
    check = extract.verification
    status = "intact" if check.ok else f"BROKEN at entry {check.broken_seq}: {check.reason}"
    err_console.print(
        f"{len(extract.rows)} entries exported; chain {status}; head {check.head_seq} "
        f"{check.head_hash}",
        highlight=False,
    )
    if not check.ok:
        raise typer.Exit(code=1)
