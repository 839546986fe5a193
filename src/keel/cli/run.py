"""`keel run support|sql`: run keel's reference agents; each run is stored with its trace."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from keel.cli.context import cli_settings
from keel.cli.database import open_database
from keel.cli.output import console, keel_errors, print_json
from keel.cli.progress import stages
from keel.core.errors import InvalidInput, NotFound
from keel.core.settings import Settings

if TYPE_CHECKING:
    from keel.core.records import RunRecord

app = typer.Typer(help="Run keel's reference agents.", no_args_is_help=True)


def _ticket_inputs(ticket_id: str, settings: Settings) -> dict[str, object]:
    from keel.reference.world import ensure_world

    ticket = ensure_world(settings.home).ticket(ticket_id)
    if ticket is None:
        raise NotFound(f"no ticket with id {ticket_id!r}", field="ticket_id")
    return {
        "ticket_text": ticket.text,
        "ticket_id": ticket.ticket_id,
        "customer_id": ticket.customer_id,
    }


#: Keys of a tickets file's lines: what a run takes, then the labels of keel's own tickets.jsonl.
TICKET_KEYS = ("text", "ticket_text", "ticket_id", "customer_id", "expected")
TICKET_LABEL_KEYS = (
    "gold_category",
    "gold_needs_human_review",
    "gold_article_ids",
    "difficulty",
    "ambiguous_between",
    "scenario",
)


def _ticket_row(row: object, number: int) -> dict[str, object]:
    """Return one tickets-file line as run inputs; refuse unknown keys, naming the known ones."""
    where = f"line {number}"
    expected = (
        f"a ticket has text (or ticket_text) and optionally ticket_id, customer_id and an"
        f" expected object (the right output fields, e.g. category)"
        f" (labels ignored: {', '.join(TICKET_LABEL_KEYS)})"
    )
    if not isinstance(row, dict):
        raise InvalidInput(f"{where}: not a JSON object; {expected}", field=where)
    unknown = sorted(set(row) - {*TICKET_KEYS, *TICKET_LABEL_KEYS})
    if unknown:
        raise InvalidInput(f"{where}: unknown key(s) {', '.join(unknown)}; {expected}", field=where)
    text = row.get("ticket_text") or row.get("text")
    if not isinstance(text, str) or not text.strip():
        raise InvalidInput(f"{where}: no ticket text; {expected}", field=where)
    if row.get("expected") is not None and not isinstance(row["expected"], dict):
        raise InvalidInput(f"{where}: expected is not a JSON object; {expected}", field=where)
    return {
        "ticket_text": text,
        "ticket_id": row.get("ticket_id"),
        "customer_id": row.get("customer_id"),
    }


def _file_inputs(path: Path) -> tuple[list[dict[str, object]], list[dict[str, Any] | None]]:
    """Return a tickets file's run inputs, and each line's expected outcome (None: none)."""
    rows, wanted = [], []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise InvalidInput(
                f"line {number}: not JSON ({exc.msg})", field=f"line {number}"
            ) from None
        rows.append(_ticket_row(row, number))
        wanted.append(row.get("expected"))
    return rows, wanted


def _summary(run: RunRecord) -> dict[str, object]:
    return {
        "run_id": run.run_id,
        "status": str(run.status),
        "loop_depth": run.loop_depth,
        "error": run.error,
        "output": run.output,
    }


@app.command("support")
def support(
    ticket_id: str | None = typer.Option(None, "--ticket-id", help="A ticket of the world."),
    text: str | None = typer.Option(None, "--text", help="The ticket's text."),
    tickets: Path | None = typer.Option(
        None,
        "--tickets",
        exists=True,
        dir_okay=False,
        help="JSON Lines of tickets (text, ticket_id, customer_id).",
    ),
    customer_id: str | None = typer.Option(None, "--customer-id", help="Whose ticket it is."),
    model: str | None = typer.Option(None, "--model", help="Model spec (default KEEL_MODEL)."),
    seed: int = typer.Option(0, "--seed", min=0, help="Sampling seed."),
    temperature: float = typer.Option(0.7, "--temperature", min=0.0, max=2.0),
    retrieval_k: int | None = typer.Option(
        None, "--retrieval-k", min=1, max=50, help="Articles knowledge.search returns (5)."
    ),
    config: str | None = typer.Option(
        None, "--config", help="Configuration label stored with each run (see keel drift check)."
    ),
    as_json: bool = typer.Option(
        False, "--json", help="Print a JSON list of the runs: run_id, status, output, ..."
    ),
) -> None:
    """Answer support tickets; each run is stored and shows in `keel runs show`."""
    # Imported here: the agent and its model stack are heavy, and `keel --help` is not.
    from keel.reference.agents.contracts import SUPPORT_CONTRACT
    from keel.reference.agents.support import SupportInputs, run_support

    settings = cli_settings()
    with keel_errors():
        if sum(x is not None for x in (ticket_id, text, tickets)) != 1:
            raise InvalidInput("give exactly one of --ticket-id, --text, --tickets")
        common = {"model": model or settings.model, "seed": seed, "temperature": temperature}
        if retrieval_k is not None:
            common["retrieval_k"] = retrieval_k
        expected: list[dict[str, Any] | None] = []
        if tickets is not None:
            rows, expected = _file_inputs(tickets)
        elif ticket_id is not None:
            rows = [_ticket_inputs(ticket_id, settings)]
        else:
            rows = [{"ticket_text": text, "customer_id": customer_id}]
        batch = [SupportInputs.model_validate({**row, **common}) for row in rows]
        with stages("opening the database") as progress, open_database(settings) as database:
            progress.stage("answering tickets", total=len(batch))
            runs = run_support(
                batch,
                settings,
                database,
                config=config,
                expected=expected,
                on_done=lambda _run: progress.advance(),
            )
    if as_json:
        # Always a list, one summary per run, so `jq -r '.[0].run_id'` can feed `keel replay`.
        print_json([_summary(run) for run in runs])
        return
    for run in runs:
        console.print(
            f"[bold]{run.run_id}[/bold] {run.status} "
            f"{SUPPORT_CONTRACT.decision_of(run.output) or '-'} loops={run.loop_depth} "
            f"{run.error or ''}"
        )


@app.command("sql")
def sql(
    question: str = typer.Option(..., "--question", help="What to ask of the bank's data."),
    model: str | None = typer.Option(None, "--model", help="Model spec (default KEEL_MODEL)."),
    seed: int = typer.Option(0, "--seed", min=0, help="Sampling seed."),
    temperature: float = typer.Option(0.7, "--temperature", min=0.0, max=2.0),
    as_json: bool = typer.Option(
        False, "--json", help="Print a JSON list of the run: run_id, status, output, ..."
    ),
) -> None:
    """Answer a question with one guarded read-only SQL query through `db.query`; stored."""
    from keel.reference.agents.sql_analysis import SqlInputs, run_sql

    settings = cli_settings()
    with keel_errors():
        inputs = SqlInputs(
            question=question, model=model or settings.model, seed=seed, temperature=temperature
        )
        with stages("opening the database") as progress, open_database(settings) as database:
            progress.stage("answering the question")
            run = run_sql([inputs], settings, database)[0]
    if as_json:
        print_json([_summary(run)])  # a list, as `keel run support --json` prints
        return
    output = run.output or {}
    console.print(f"[bold]{run.run_id}[/bold] {run.status} {run.error or ''}", highlight=False)
    if output:
        console.print(
            f"SQL: {output['sql']}\n{output['explanation']}\n{output['summary']}", highlight=False
        )
    if run.status != "COMPLETED":
        raise typer.Exit(1)
