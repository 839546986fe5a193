"""`keel kb load|list|search`: the knowledge base the agents' tools search."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import typer
from rich.table import Table

from keel.cli.context import cli_settings
from keel.cli.output import console, err_console, keel_errors, print_json
from keel.reference.world import ensure_world
from keel.reference.world.documents import DocumentsRefused, read_documents

app = typer.Typer(help="The knowledge base the support agent searches.", no_args_is_help=True)


@app.command("load")
def load(
    directory: Path = typer.Argument(..., help="Folder of .md and .json documents (recursive)."),
    replace: bool = typer.Option(
        False, "--replace", help="Remove every document not in DIR, the world's articles too."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Load Markdown or JSON documents into the knowledge base, by id; nothing if one is bad.

    When files are refused, every one is listed with the field at fault and why (exit code 2).
    """
    with keel_errors():
        try:
            documents = read_documents(directory)
        except DocumentsRefused as refused:
            _print_refused(directory, refused, as_json)
            raise typer.Exit(code=2) from None
        world = ensure_world(cli_settings().home)
        counts = world.knowledge.upsert(documents, replace=replace)
    summary = {
        "directory": str(directory),
        "documents": len(documents),
        **dataclasses.asdict(counts),
    }
    if as_json:
        print_json(summary)
        return
    console.print(
        f"loaded {summary['documents']} documents from [bold]{directory}[/bold]: "
        f"{counts.inserted} new, {counts.updated} updated, {counts.unchanged} unchanged, "
        f"{counts.removed} removed; the knowledge base holds {counts.total}"
    )


def _print_refused(directory: Path, refused: DocumentsRefused, as_json: bool) -> None:
    rows = [refusal.model_dump() for refusal in refused.refused]
    if as_json:
        print_json({"directory": str(directory), "loaded": 0, "refused": rows})
        return
    err_console.print(
        f"[red]error:[/red] {len(rows)} document(s) refused under {directory}; nothing loaded",
        highlight=False,
    )
    table = Table("file", "field", "why")
    for row in rows:
        table.add_row(row["file"], row["field"], row["error"])
    err_console.print(table)


@app.command("list")
def list_articles(
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """List every article in the knowledge base."""
    with keel_errors():
        articles = ensure_world(cli_settings().home).knowledge.all()
    if as_json:
        print_json(
            [
                {
                    "id": a.id,
                    "title": a.title,
                    "topic": a.topic,
                    "visibility": a.visibility,
                    "source": a.source,
                    "steps": len(a.steps),
                }
                for a in articles
            ]
        )
        return
    table = Table("id", "title", "topic", "source")
    for article in articles:
        table.add_row(article.id, article.title, article.topic, article.source)
    console.print(table)


@app.command("search")
def search(
    query: str = typer.Argument(..., help="Words to search for."),
    k: int = typer.Option(5, "--k", min=1, max=50, help="How many results."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """List the articles that best match QUERY (bm25 over title, body and steps)."""
    with keel_errors():
        hits = ensure_world(cli_settings().home).knowledge.search(query, k=k)
    if as_json:
        print_json([dataclasses.asdict(hit) for hit in hits])
        return
    table = Table("id", "title", "score", "snippet")
    for hit in hits:
        table.add_row(hit.id, hit.title, f"{hit.score:.2f}", hit.snippet)
    console.print(table)
