"""`keel review list|decide|labels`: the human review queue from the terminal."""

from __future__ import annotations

from typing import Any

import typer
from rich.table import Table

from keel.cli.context import cli_settings
from keel.cli.database import open_database
from keel.cli.output import cli_actor, console, keel_errors, print_json
from keel.govern.decision import Decision

app = typer.Typer(help="Work the human review queue and export its labels.", no_args_is_help=True)


@app.command("list")
def list_queue(
    workflow: str | None = typer.Option(None, "--workflow", help="Only this workflow type."),
    reason: str | None = typer.Option(
        None, "--reason", help="needs_human_review, high_risk or unstable."
    ),
    state: str = typer.Option("open", "--state", help="open, pending, escalated, decided, all."),
    sort: str = typer.Option("oldest", "--sort", help="oldest, newest or risk (highest first)."),
    limit: int = typer.Option(50, "--limit", min=1, max=500, help="How many, in that order."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """List runs awaiting review (oldest first unless --sort), with their flags."""
    from keel.reports.review_queue import review_queue_data
    from keel.store.reviews import QueueFilters

    settings = cli_settings()
    filters = QueueFilters(workflow_type=workflow, reason=reason, state=state, sort=sort)
    with keel_errors(), open_database(settings) as database, database.read() as session:
        page = review_queue_data(session, filters, settings.review_risk_min, limit)
    rows: list[dict[str, Any]] = [
        {
            "run_id": item.run.run_id,
            "workflow_type": item.run.workflow_type,
            "created_at": item.run.created_at.isoformat(),
            "status": item.run.status,
            "risk": item.run.risk,
            "reasons": item.reasons,
            "latest_decision": item.latest_review.decision if item.latest_review else None,
            "decided_category": item.decided_category,
            "flags": [f"{flag.rule_id}:{flag.severity}" for flag in item.flags],
            "answer_excerpt": item.answer_excerpt,
        }
        for item in page.items
    ]
    if as_json:
        print_json(rows)
        return
    table = Table("run", "workflow", "created", "status", "risk", "flags", "why", "decision")
    for row in rows:
        table.add_row(
            row["run_id"],
            row["workflow_type"],
            row["created_at"],
            row["status"],
            "-" if row["risk"] is None else f"{row['risk']:.0f}",
            ", ".join(row["flags"]) or "-",
            ", ".join(row["reasons"]),
            row["latest_decision"] or "pending",
        )
    console.print(table)


@app.command("decide")
def decide(
    run_id: str = typer.Argument(..., help="The run decided on."),
    decision: Decision = typer.Option(..., "--decision", help="What you decide."),
    reason: str = typer.Option(..., "--reason", help="Why (kept in the audit log)."),
    category: str | None = typer.Option(
        None, "--category", help="Override: the decision (category) the workflow allows."
    ),
    answer: str | None = typer.Option(None, "--answer", help="Override: the corrected answer."),
) -> None:
    """Record a decision on a run as the current OS user."""
    from keel.auth.keys import Principal
    from keel.govern import review as review_domain

    actor = cli_actor()
    who = Principal(None, actor, None)
    with keel_errors():
        body = review_domain.parse_review(
            {"decision": decision, "reason": reason, "category": category, "answer": answer}
        )
        with open_database(cli_settings()) as database, database.write() as session:
            review = review_domain.record_review(session, run_id, body, who)
    console.print(f"recorded {review.decision} on {run_id} (review {review.id})")


@app.command("labels")
def labels(
    workflow: str | None = typer.Option(None, "--workflow", help="Only this workflow type."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Print reviewer-confirmed labels (category per run) for evaluation scripts."""
    from keel.govern import review as review_domain

    with keel_errors(), open_database(cli_settings()) as database, database.read() as session:
        rows = [label.as_dict() for label in review_domain.labels(session, workflow)]
    if as_json:
        print_json(rows)
        return
    table = Table("run", "workflow", "confirmed", "original", "decision", "reviewer")
    for row in rows:
        table.add_row(
            row["run_id"],
            row["workflow_type"],
            row["category"] or "-",
            row["original_category"] or "-",
            row["decision"],
            row["reviewer"],
        )
    console.print(table)
