"""`keel db ...`: schema management."""

from __future__ import annotations

import typer

from keel.cli.context import cli_settings
from keel.cli.output import console

app = typer.Typer(help="Database schema management.", no_args_is_help=True)


@app.command("upgrade")
def upgrade(revision: str = typer.Argument("head", help="Alembic revision to reach.")) -> None:
    """Apply schema migrations up to REVISION (default: the newest)."""
    from keel.store.migrate import upgrade as upgrade_database

    url = cli_settings().resolved_database_url()
    upgrade_database(url, revision)
    console.print(f"database at [bold]{revision}[/bold]")
