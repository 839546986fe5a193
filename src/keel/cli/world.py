"""`keel world build`: build (or rebuild) the synthetic fintech world under KEEL_HOME."""

from __future__ import annotations

import typer
from rich.table import Table

from keel.cli.context import cli_settings
from keel.cli.output import console, keel_errors, print_json
from keel.reference.world import ensure_world

app = typer.Typer(
    help="The synthetic fintech world (knowledge base, bank, tickets).", no_args_is_help=True
)


@app.command("build")
def build(
    rebuild: bool = typer.Option(False, "--rebuild", help="Rebuild even if the world is current."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Build the world from its fixed seed if needed, and print what it holds."""
    home = cli_settings().home
    with keel_errors(), console.status("building the world…", spinner="dots"):
        world = ensure_world(home, rebuild=rebuild)
        summary = {"path": str(world.root), "seed": world.manifest()["seed"], **world.counts()}
    if as_json:
        print_json(summary)
        return
    table = Table("what", "count")
    for key, value in world.counts().items():
        table.add_row(key, str(value))
    console.print(f"world at [bold]{world.root}[/bold] (seed {summary['seed']})")
    console.print(table)
