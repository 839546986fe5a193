"""`keel keys create|list|revoke`: scoped API keys (the key is printed once, at creation)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer
from rich.table import Table

from keel.auth.scopes import Scope
from keel.cli.context import cli_settings
from keel.cli.database import open_database
from keel.cli.output import cli_actor, console, keel_errors, print_json

if TYPE_CHECKING:
    from keel.store.models import ApiKey

app = typer.Typer(help="Create, list and revoke scoped API keys.", no_args_is_help=True)


def _row(key: ApiKey) -> dict[str, object]:
    return {
        "key_id": key.key_id,
        "name": key.name,
        "scope": key.scope,
        "created_at": key.created_at.isoformat(),
        "created_by": key.created_by,
        "revoked_at": key.revoked_at.isoformat() if key.revoked_at else None,
        "revoked_by": key.revoked_by,
    }


@app.command("create")
def create(
    scope: Scope = typer.Option(..., "--scope", help="What the key may do."),
    name: str | None = typer.Option(None, "--name", help="A name people recognise."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Create a key and print it; it is stored hashed and cannot be shown again."""
    from keel.auth import keys as key_domain

    with keel_errors(), open_database(cli_settings()) as database, database.write() as session:
        row, key = key_domain.create_key(session, scope, name or f"{scope}-key", cli_actor())
        info = _row(row)
    if as_json:
        print_json({**info, "key": key})
        return
    console.print(f"created key [bold]{info['key_id']}[/bold] ({scope}, {info['name']})")
    console.print("store it now; keel keeps only its hash and cannot show it again:")
    typer.echo(key)


@app.command("list")
def list_keys(as_json: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """List every key (never the key itself), revoked ones included."""
    from keel.store.api_keys import all_keys

    with keel_errors(), open_database(cli_settings()) as database, database.read() as session:
        rows = [_row(key) for key in all_keys(session)]
    if as_json:
        print_json(rows)
        return
    table = Table("id", "name", "scope", "created", "by", "revoked")
    for row in rows:
        table.add_row(
            str(row["key_id"]),
            str(row["name"]),
            str(row["scope"]),
            str(row["created_at"]),
            str(row["created_by"]),
            str(row["revoked_at"] or "-"),
        )
    console.print(table)


@app.command("revoke")
def revoke(key_id: str = typer.Argument(..., help="The key's id (from `keel keys list`).")) -> None:
    """Revoke a key: requests carrying it are refused (401) and audited from now on."""
    from keel.auth import keys as key_domain

    with keel_errors(), open_database(cli_settings()) as database, database.write() as session:
        key_domain.revoke_key(session, key_id, cli_actor())
    console.print(f"revoked key [bold]{key_id}[/bold]")
