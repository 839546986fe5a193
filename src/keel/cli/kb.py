"""`keel kb search`: query the knowledge base the agents' tools search."""

from __future__ import annotations

import dataclasses

import typer
from rich.table import Table

from keel.cli.output import console, keel_errors, print_json
from keel.config import Settings
from keel.world import ensure_world

app = typer.Typer(help="The knowledge base the support agent searches.", no_args_is_help=True)


@app.command("search")
def search(
    query: str = typer.Argument(..., help="Words to search for."),
    k: int = typer.Option(5, "--k", min=1, max=50, help="How many results."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """List the articles that best match QUERY (bm25 over title, body and steps)."""
    with keel_errors():
        hits = ensure_world(Settings().home).knowledge.search(query, k=k)
    if as_json:
        print_json([dataclasses.asdict(hit) for hit in hits])
        return
    table = Table("id", "title", "score", "snippet")
    for hit in hits:
        table.add_row(hit.id, hit.title, f"{hit.score:.2f}", hit.snippet)
    console.print(table)
