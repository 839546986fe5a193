"""Root of the `keel` command: registers every sub-command."""

from __future__ import annotations

import typer

from keel.cli import (
    audit,
    baseline,
    db,
    demo,
    drift,
    heal,
    ingest,
    kb,
    keys,
    mcp,
    model,
    policy,
    profile,
    redact,
    replay,
    review,
    run,
    runs,
    serve,
    worker,
    world,
)
from keel.cli.context import begin_invocation
from keel.cli.output import OneLineErrors
from keel.core.version import VERSION

app = typer.Typer(
    name="keel",
    cls=OneLineErrors,
    help="keel: collect agent runs, replay them under perturbation, score their stability.",
    no_args_is_help=True,
    add_completion=False,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"keel {VERSION}")
        raise typer.Exit()


@app.callback()
def root(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version and exit."
    ),
) -> None:
    """keel: a control plane for LLM agents."""
    begin_invocation()


app.command("serve")(serve.serve)
app.command("worker")(worker.worker)
app.command("demo")(demo.demo)
app.command("ingest")(ingest.ingest)
app.command("replay")(replay.replay)
app.command("heal")(heal.heal)
app.command("redact")(redact.redact)
app.command("profile")(profile.profile)
app.add_typer(db.app, name="db")
app.add_typer(runs.app, name="runs")
app.add_typer(run.app, name="run")
app.add_typer(world.app, name="world")
app.add_typer(kb.app, name="kb")
app.add_typer(baseline.app, name="baseline")
app.add_typer(drift.app, name="drift")
app.add_typer(mcp.app, name="mcp")
app.add_typer(model.app, name="model")
app.add_typer(keys.app, name="keys")
app.add_typer(audit.app, name="audit")
app.add_typer(policy.app, name="policy")
app.add_typer(review.app, name="review")


def main() -> None:
    """Entry point of the `keel` console script."""
    app()
