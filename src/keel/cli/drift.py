"""`keel drift check`: compare recent runs with a baseline; exit 1 on regression (a CI gate)."""

from __future__ import annotations

import enum
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from keel.cli.context import cli_settings
from keel.cli.database import open_database
from keel.cli.output import console, data_table, keel_errors, print_json, print_table
from keel.core.errors import InvalidInput
from keel.core.timespan import parse_moment, parse_span

if TYPE_CHECKING:
    from keel.drift.check import DriftCheck, Window
    from keel.drift.indicators import Indicator

app = typer.Typer(help="Drift checks against baselines.", no_args_is_help=True)


class FailOn(enum.StrEnum):
    WARN = "warn"
    ALERT = "alert"


_COLOURS = {"ok": "green", "warn": "yellow", "alert": "red"}


def _window(
    since: str | None, until: str | None, last: str | None, model: str | None, config: str | None
) -> Window:
    from keel.drift.check import Window

    span = parse_span(last, "last")
    if span is not None and since is not None:
        raise InvalidInput("give --since or --last, not both", field="last")
    start = datetime.now(UTC) - span if span is not None else parse_moment(since, "since")
    return Window(start, parse_moment(until, "until"), model, config)


def check_json(result: DriftCheck) -> dict[str, object]:
    """Return the JSON report of a check."""
    return {
        "baseline": result.baseline.name,
        "workflow_type": result.baseline.workflow_type,
        "window_start": result.window_start,
        "window_end": result.window_end,
        **result.report.as_dict(),
        "new_alerts": [alert.id for alert in result.new_alerts],
    }


#: What `keel drift check` shows, in 80 columns; `--wide` adds the test and its thresholds.
NARROW = ("indicator", "p (BH)", "effect", "verdict")
WIDE = ("indicator", "test", "statistic", "p (BH)", "effect", "warn/alert", "verdict")


def _cells(ind: Indicator) -> dict[str, str]:
    """Return each column's cell of one indicator's row."""
    colour = _COLOURS[str(ind.verdict)]
    return {
        "indicator": ind.name,
        "test": ind.test,
        "statistic": f"{ind.statistic:.3g}",
        "p (BH)": "-" if ind.p_adjusted is None else f"{ind.p_adjusted:.3g}",
        "effect": f"{ind.effect_name}={ind.effect_size:.3f}",
        "warn/alert": f"{ind.warn_at:g}/{ind.alert_at:g}",
        "verdict": f"[{colour}]{ind.verdict}[/{colour}]",
    }


def _print_table(result: DriftCheck, wide: bool) -> None:
    headers = WIDE if wide else NARROW
    table = data_table(headers, whole=("indicator", "p (BH)", "statistic", "verdict"))
    for ind in result.report.indicators:
        cells = _cells(ind)
        table.add_row(*(cells[header] for header in headers))
    print_table(table, wide=wide)
    colour = _COLOURS[str(result.report.verdict)]
    console.print(
        f"baseline {result.baseline.name}: {result.report.baseline_runs} runs vs "
        f"{result.report.window_runs} in the window -> [{colour}]{result.report.verdict}[/{colour}]"
    )


@app.command("check")
def check(
    baseline: str = typer.Option(..., "--baseline", help="Name of the baseline."),
    since: str | None = typer.Option(
        None,
        "--since",
        help="Window start (ISO, or a span ago like 7d); default: where the baseline ends.",
    ),
    until: str | None = typer.Option(
        None, "--until", help="Window end (ISO or a span ago, exclusive)."
    ),
    last: str | None = typer.Option(None, "--last", help="Window = the last span, e.g. 7d."),
    model: str | None = typer.Option(None, "--model", help="Only runs of this model."),
    config: str | None = typer.Option(None, "--config", help="Only runs with this config label."),
    fail_on: FailOn = typer.Option(FailOn.ALERT, "--fail-on", help="Verdict that fails."),
    ignore: list[str] | None = typer.Option(
        None,
        "--ignore",
        help="Leave an indicator out (repeatable), e.g. latency_ms on a shared CI runner.",
    ),
    report: Path | None = typer.Option(
        None,
        "--report",
        help="Where to write the JSON report (default KEEL_HOME/reports/drift-<baseline>.json).",
    ),
    webhook: str | None = typer.Option(
        None, "--webhook", help="POST new alerts here (default KEEL_ALERT_WEBHOOK_URL)."
    ),
    wide: bool = typer.Option(False, "--wide", help="Each indicator's test and thresholds too."),
    as_json: bool = typer.Option(False, "--json", help="Print the JSON report."),
) -> None:
    """Check a window of runs against BASELINE; exit 1 when it reaches --fail-on."""
    # Imported here: the statistics and embedding stacks are heavy, and `keel --help` is not.
    from keel.drift.check import check_drift
    from keel.drift.embedding import answer_embedder
    from keel.drift.indicators import Verdict
    from keel.drift.webhook import deliver_pending

    settings = cli_settings()
    with keel_errors(), open_database(settings) as database:
        window = _window(since, until, last, model, config)
        with database.write() as session:
            result = check_drift(
                session,
                baseline,
                window,
                embed=answer_embedder(settings.embedder),
                ignore=ignore or (),
            )
            body = check_json(result)
        url = webhook or settings.alert_webhook_url
        body["webhook_delivered"] = deliver_pending(database, url) if url else 0
    path = report or settings.home / "reports" / f"drift-{baseline}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(body, indent=2, default=str))
    if as_json:
        print_json(body)
    else:
        _print_table(result, wide)
        console.print(f"report: {path}")
    if result.report.fails(Verdict(fail_on.value)):
        raise typer.Exit(code=1)


@app.command("regress")
def regress(
    baseline: str = typer.Option(..., "--baseline", help="Name of the baseline."),
    config: str | None = typer.Option(None, "--config", help="Runs with this config label."),
    model: str | None = typer.Option(None, "--model", help="Runs of this model."),
    since: str | None = typer.Option(
        None,
        "--since",
        help="Rerun window start (ISO, or a span ago like 7d); default: where the baseline ends.",
    ),
    webhook: str | None = typer.Option(None, "--webhook", help="POST a new alert here."),
    as_json: bool = typer.Option(False, "--json", help="Print the JSON report."),
) -> None:
    """Compare the baseline's items (e.g. tickets), rerun under --config / --model, with its runs.

    Items and decisions are those the workflow's output contract names. Exits 1 on decision
    flips (10% or more), stability below the interval, or new policy flags.
    """
    from keel.drift.check import Window, check_regression
    from keel.drift.webhook import deliver_pending

    settings = cli_settings()
    with keel_errors(), open_database(settings) as database:
        window = Window(parse_moment(since, "since"), None, model, config)
        with database.write() as session:
            result = check_regression(session, baseline, window)
            body = {
                "baseline": baseline,
                **result.report.as_dict(),
                "new_alerts": [a.id for a in result.new_alerts],
            }
        url = webhook or settings.alert_webhook_url
        body["webhook_delivered"] = deliver_pending(database, url) if url else 0
    if as_json:
        print_json(body)
    else:
        table = data_table(("item", "decision", "stability", "new flags"), whole=("item",))
        for change in result.report.changes:
            if change.changed:
                table.add_row(
                    change.item,
                    " -> ".join(map(str, change.decision or ())) or "-",
                    " -> ".join(f"{v:.1f}" for v in change.stability[:2])
                    if change.stability
                    else "-",
                    ", ".join(change.new_flags) or "-",
                )
        print_table(table)
        verdict = "[red]regressed[/red]" if result.report.regressed else "[green]ok[/green]"
        console.print(
            f"{result.report.compared} items compared, {result.report.flips} flips -> {verdict}"
        )
    if result.report.regressed:
        raise typer.Exit(code=1)
