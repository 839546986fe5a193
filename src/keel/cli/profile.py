"""`keel profile`: the reliability profile of a workflow's runs, or two side by side (a CI gate).

It first replays what the profile still needs (a sample of items, with a budget), then reads
every metric from stored data; `--vs` compares two populations and marks the metrics whose
intervals do not overlap; `--fail-on` exits 1 when the second is worse on those it names.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from keel.cli.context import cli_settings
from keel.cli.database import open_database
from keel.cli.output import console, data_table, keel_errors, print_json, print_table
from keel.core.errors import InvalidInput, NotFound
from keel.core.timespan import parse_span

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from keel.evaluate.profile import Metric, Profile
    from keel.evaluate.profile_comparison import Difference
    from keel.reports.profile import Selection

FAIL_ON_HELP = (
    "With --vs: exit 1 when the second population is worse beyond the intervals on a metric"
    " this names: a metric key (accuracy), a dimension (consistency, robustness,"
    " predictability, safety, capability) or any. Repeatable."
)


def _selection(
    session: Session,
    workflow: str,
    config: str | None,
    baseline: str | None,
    since: datetime | None,
) -> Selection:
    from keel.reports.profile import Selection
    from keel.store.drift import PopulationFilter, get_baseline

    if baseline is not None:
        found = get_baseline(session, baseline)
        if found is None:
            raise NotFound(f"no baseline named {baseline!r}", field="baseline")
        run_ids = tuple((found.run_ids or {}).get("run_ids", []))
        return Selection(baseline, PopulationFilter(workflow, run_ids=run_ids, since=since))
    label = config or workflow
    return Selection(label, PopulationFilter(workflow, config=config, since=since))


def _interval(metric: Metric | None) -> str:
    if metric is None or metric.value is None:
        return "[dim]absent[/dim]"
    return f"{metric.value:.3f} [dim]{metric.low:.2f}–{metric.high:.2f} n{metric.items}[/dim]"


_MARKS = {"worse": "[red]▼ worse[/red]", "better": "[green]▲ better[/green]"}


def _change(found: Difference | None) -> str:
    if found is None or found.verdict not in _MARKS:
        return ""
    return f"{_MARKS[found.verdict]} {found.delta:+.3f}"


def _print(profiles: list[Profile], differences: list[Difference]) -> None:
    headers = ["metric", *(p.label for p in profiles), *(["change"] if differences else [])]
    table = data_table(headers, whole={"metric", "change"})
    verdicts = {d.key: d for d in differences}
    dimension = None
    for metric in profiles[0].metrics:
        if metric.dimension != dimension:
            if dimension is not None:
                table.add_section()
            dimension = metric.dimension
            table.add_row(f"[bold]{dimension}[/bold]")
        name = f"{metric.key}{' (↓)' if metric.better == 'lower' else ''}"
        row = [name, *(_interval(p.metric(metric.key)) for p in profiles)]
        if differences:
            row.append(_change(verdicts.get(metric.key)))
        table.add_row(*row)
    console.print("[bold]reliability profile[/bold]")
    print_table(table)
    console.print("[dim]value, 95% interval, items behind it; (↓): lower is better[/dim]")
    for p in profiles:
        worst = (
            f"{p.worst.severity} {p.worst.rule_id} on {p.worst.run_id}" if p.worst else "no flags"
        )
        mix = ", ".join(f"{level} {count}" for level, count in p.severities.items() if count)
        console.print(
            f"[bold]{p.label}[/bold]: {p.runs} runs, {p.items} items; "
            f"flags by worst severity: {mix}; worst case: {worst}"
        )


def profile(
    workflow: str = typer.Option(..., "--workflow", help="The workflow to profile, e.g. support."),
    config: str | None = typer.Option(None, "--config", help="Only runs with this config label."),
    baseline: str | None = typer.Option(None, "--baseline", help="The runs a baseline froze."),
    window: str | None = typer.Option(
        None, "--window", help="Only runs of the last span, e.g. 7d."
    ),
    vs: str | None = typer.Option(
        None, "--vs", help="Compare with this config (or baseline, with --baseline)."
    ),
    sample: int = typer.Option(10, "--sample", min=0, help="Items each population gets replayed."),
    samples: int = typer.Option(2, "--samples", min=1, max=8, help="Replays per perturbation."),
    budget: int = typer.Option(400, "--budget", min=0, help="At most this many replays in all."),
    bootstrap: int = typer.Option(500, "--bootstrap", min=50, help="Bootstrap resamples."),
    fail_on: list[str] = typer.Option([], "--fail-on", help=FAIL_ON_HELP),
    as_json: bool = typer.Option(False, "--json", help="Print the JSON report."),
) -> None:
    """Profile WORKFLOW's runs: consistency, robustness, predictability and safety."""
    from keel.reports.profile import plugin_expected, side_by_side

    settings = cli_settings()
    with keel_errors(), open_database(settings) as database:
        if config and baseline:
            raise InvalidInput("give --config or --baseline, not both", field="baseline")
        if fail_on and vs is None:
            raise InvalidInput("--fail-on compares two populations: give --vs", field="fail_on")
        _check_selectors(fail_on)
        span = parse_span(window, "window")
        since = datetime.now(UTC) - span if span is not None else None
        with database.read() as session:
            selections = [_selection(session, workflow, config, baseline, since)]
            if vs is not None:
                other_config, other_baseline = (None, vs) if baseline else (vs, None)
                selections.append(
                    _selection(session, workflow, other_config, other_baseline, since)
                )
        topped = _top_up(database, settings, selections, sample, samples, budget, as_json)
        expected = plugin_expected(settings)
        with database.read() as session:
            compared = side_by_side(session, selections, expected, bootstrap)
    body = compared.as_dict()
    body["top_up"] = topped
    profiles = compared.profiles
    differences = compared.comparisons[0] if compared.comparisons else []
    failing = _failing(differences, fail_on)
    body["failing"] = [d.key for d in failing]
    if as_json:
        print_json(body)
    else:
        _print(profiles, differences)
        for comparison in body["comparisons"]:
            case = comparison["worst_case"]
            if case["verdict"] == "worse":
                console.print(
                    f"[red]▼ worst case worse[/red]: {case['first'] or 'no flag'} -> "
                    f"{case['second']} ({case['second_rule']} on {case['second_run']})"
                )
        if failing:
            console.print(f"[red]worse beyond the intervals: {', '.join(body['failing'])}[/red]")
    if failing:
        raise typer.Exit(code=1)


def _check_selectors(fail_on: list[str]) -> None:
    """Refuse a --fail-on that names no metric, no dimension and is not `any` (a typo would
    otherwise make a gate that never fails)."""
    from keel.evaluate.profile_metrics import metric_specs

    specs = metric_specs()
    known = {"any"} | {s.key for s in specs} | {s.dimension for s in specs}
    unknown = sorted(set(fail_on) - known)
    if unknown:
        raise InvalidInput(
            f"--fail-on {', '.join(unknown)}: not a metric, a dimension or any"
            f" (known: {', '.join(sorted(known))})",
            field="fail_on",
        )


def _failing(differences: list[Difference], fail_on: list[str]) -> list[Difference]:
    from keel.evaluate.profile_comparison import worse

    return worse(differences, set(fail_on)) if fail_on else []


def _top_up(
    database: Any,
    settings: Any,
    selections: list[Selection],
    sample: int,
    samples: int,
    budget: int,
    quiet: bool,
) -> dict[str, Any]:
    """Replay what the profiles still need; return what was replayed, per population."""
    from keel.drift.facts import workflow_contract
    from keel.models.embeddings import embedder
    from keel.replay.registry import replay_targets
    from keel.replay.topup import plan_top_up, run_top_up

    with database.read() as session:
        item_key = workflow_contract(session, selections[0].filters.workflow_type).item_key
    # Items any population has replayed go first everywhere, so the samples are paired.
    prefer: set[str] = set()
    for selection in selections:
        prefer |= plan_top_up(database, selection.filters, item_key, 0, 0, samples).replayed_items
    share = budget // len(selections)
    plans = [
        plan_top_up(database, s.filters, item_key, sample, share, samples, prefer)
        for s in selections
    ]
    total = sum(p.replays for p in plans)
    report: dict[str, Any] = {}
    if total == 0:
        return {s.label: {"replay_sets": [], "skipped": {}} for s in selections}
    columns = (
        TextColumn("replaying for the profile"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    with (
        replay_targets(database, settings) as targets,
        Progress(*columns, console=console, disable=quiet, transient=True) as bar,
    ):
        task = bar.add_task("replay", total=total)
        done = 0
        for selection, plan in zip(selections, plans, strict=True):
            result = run_top_up(
                database,
                plan,
                samples,
                targets,
                embedder(settings.embedder),
                progress=lambda step, of: bar.update(task, completed=step, total=of),
                done_before=done,
                total=total,
            )
            done += plan.replays
            report[selection.label] = {"replay_sets": result.replay_sets, "skipped": result.skipped}
    return report
