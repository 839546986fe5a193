"""`keel db ...`: schema management."""

from __future__ import annotations

import typer

from keel.cli.context import cli_settings
from keel.cli.database import migrated_url
from keel.cli.output import console, keel_errors

app = typer.Typer(help="Database schema management.", no_args_is_help=True)


@app.command("upgrade")
def upgrade(revision: str = typer.Argument("head", help="Alembic revision to reach.")) -> None:
    """Apply schema migrations up to REVISION (default: the newest)."""
    with keel_errors():
        migrated_url(cli_settings(), revision)
    console.print(f"database at [bold]{revision}[/bold]")
