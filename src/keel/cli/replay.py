"""`keel replay RUN_ID`: replay a run under perturbations and print its stability."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import typer
from rich.table import Table

from keel.cli.context import cli_settings
from keel.cli.database import open_database
from keel.cli.output import cli_actor, console, keel_errors, print_json
from keel.cli.progress import Stages, stages


def tool_names(options: list[str]) -> list[str]:
    """Return the tool names of repeated, comma-separated `--live-tools` options."""
    return [name.strip() for option in options for name in option.split(",") if name.strip()]


def _summary(outcome: Any) -> dict[str, Any]:
    result = outcome.result
    return {
        "run_id": outcome.base_run_id,
        "replay_set_id": outcome.set_id,
        "stability": round(result.score, 2),
        "unstable": result.unstable,
        "threshold": result.threshold,
        "interval": [round(result.interval.low, 2), round(result.interval.high, 2)],
        "components": {
            "semantic": result.components.semantic,
            "structural": result.components.structural,
            "trajectory": result.components.trajectory,
            "mean_cosine": result.components.mean_cosine,
            "weights": result.components.weights,
        },
        "sensitivity": [
            {"perturbation": s.perturbation, "score": s.score, "delta": s.delta}
            for s in result.sensitivity
        ],
        "fields": [vars(field) for field in result.fields],
        "generations": result.generations,
        "failed": result.failed,
    }


def _print(summary: dict[str, Any]) -> None:
    verdict = "[red]UNSTABLE[/red]" if summary["unstable"] else "[green]stable[/green]"
    low, high = summary["interval"]
    console.print(
        f"[bold]{summary['run_id']}[/bold] stability [bold]{summary['stability']:.1f}[/bold] "
        f"(95% CI {low:.1f}–{high:.1f}) {verdict}  replay set {summary['replay_set_id']}"
    )
    table = Table("component", "value", "weight")
    for name, value in summary["components"].items():
        if name == "weights":
            continue
        weight = summary["components"]["weights"].get(name)
        table.add_row(
            name,
            "-" if value is None else f"{value:.3f}",
            "-" if weight is None else f"{weight:.2f}",
        )
    console.print(table)
    sensitivity = Table("perturbation", "score", "Δ vs seed-only")
    for row in summary["sensitivity"]:
        score, delta = row["score"], row["delta"]
        sensitivity.add_row(
            row["perturbation"],
            "-" if score is None else f"{score:.1f}",
            "-" if delta is None else f"{delta:+.1f}",
        )
    console.print(sensitivity)


def replay_progress(progress: Stages, stage: str) -> Callable[[int, int], None]:
    """Return the replay engine's progress callback: `stage` i of n, then the scoring stage."""

    def report(done: int, total: int) -> None:
        if done == 1:
            progress.stage(stage, total=total)
        progress.step(done, total)
        if done == total:  # the last generation is in: embedding and scoring follow
            progress.stage("scoring stability")

    return report


def replay(
    run_id: str = typer.Argument(..., help="The run to replay."),
    perturbations: str = typer.Option("P1,P2,P3", "--perturbations", help="Among P1,P2,P3."),
    samples: int = typer.Option(2, "--samples", min=1, max=16, help="Replays per perturbation."),
    seed: int = typer.Option(0, "--seed", min=0, help="Seed of the whole replay budget."),
    live_tools: list[str] = typer.Option(
        [],
        "--live-tools",
        help="A tool with side effects the replays may run for real (repeat, or comma-separate;"
        " audited). Other tools that are not read-only answer from the recorded run.",
    ),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Replay RUN_ID (seed-only noise floor + each perturbation) and score its stability."""
    from keel.models.embeddings import embedder
    from keel.replay.engine import run_replay_set, start_replay_set
    from keel.replay.plan import parse_perturbations
    from keel.replay.registry import replay_targets

    settings = cli_settings()
    with (
        keel_errors(),
        stages("opening the database") as progress,
        open_database(settings) as database,
        replay_targets(database, settings) as targets,
    ):
        kinds = parse_perturbations(perturbations)
        progress.stage("planning the replays")
        set_id = start_replay_set(
            database, run_id, kinds, samples, seed, targets, tool_names(live_tools), cli_actor()
        )
        progress.stage("replaying")
        outcome = run_replay_set(
            database,
            set_id,
            targets,
            embedder(settings.embedder),
            progress=replay_progress(progress, "replaying"),
        )
    summary = _summary(outcome)
    if as_json:
        print_json(summary)
    else:
        _print(summary)
