"""`keel heal RUN_ID`: rerun an unstable run under constraints its replays suggest; re-score."""

from __future__ import annotations

import typer

from keel.cli.context import cli_settings
from keel.cli.database import open_database
from keel.cli.output import cli_actor, console, keel_errors, print_json
from keel.cli.progress import stages
from keel.cli.replay import replay_progress, tool_names


def heal(
    run_id: str = typer.Argument(..., help="An UNSTABLE run (replay it first)."),
    samples: int = typer.Option(2, "--samples", min=1, max=16, help="Replays per perturbation."),
    seed: int = typer.Option(0, "--seed", min=0, help="Seed of the re-scoring replays."),
    live_tools: list[str] = typer.Option(
        [],
        "--live-tools",
        help="A tool with side effects the rerun and its replays may run for real (repeat, or "
        "comma-separate; audited).",
    ),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Heal RUN_ID: constrain, rerun, replay; SELF_HEALED when the rerun scores above threshold,
    did what its plan asked, and is no less safe (risk, flags, disclaimers) than RUN_ID."""
    from keel.heal.controller import heal_run
    from keel.models.embeddings import embedder
    from keel.replay.registry import replay_targets

    settings = cli_settings()
    with (
        keel_errors(),
        stages("opening the database") as progress,
        open_database(settings) as database,
        replay_targets(database, settings) as targets,
    ):
        progress.stage("critic, then the constrained rerun")
        outcome = heal_run(
            database,
            run_id,
            targets,
            embedder(settings.embedder),
            samples=samples,
            seed=seed,
            progress=replay_progress(progress, "re-scoring the rerun"),
            live_tools=tool_names(live_tools),
            actor=cli_actor(),
        )
    if as_json:
        print_json(outcome.as_dict())
        return
    verdict = "[green]SELF_HEALED[/green]" if outcome.healed else "[red]still UNSTABLE[/red]"
    risk = f"risk {_risk(outcome.safety_before.risk)} -> {_risk(outcome.safety_after.risk)}"
    console.print(
        f"{run_id}: stability {outcome.before:.1f} -> {outcome.after:.1f}, {risk}  {verdict}"
    )
    console.print(f"rerun {outcome.healed_run_id} (replay set {outcome.replay_set_id})")
    for reason in outcome.plan.reasons:
        console.print(f"  - {reason}")
    for reason in [*outcome.rejected, *outcome.unresolved]:
        console.print(f"  [red]rejected:[/red] {reason}")


def _risk(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}"
