"""Check a window of runs against a baseline and record what it finds as de-duplicated alerts."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from keel.core.errors import InvalidInput, NotFound
from keel.drift.baseline import Embed, observe
from keel.drift.empty import describe, nothing_matched
from keel.drift.facts import workflow_contract, workflow_facts
from keel.drift.indicators import INDICATOR_FAMILIES, Thresholds, Verdict, indicator_family
from keel.drift.population import Population
from keel.drift.regression import RegressionReport, compare_items
from keel.drift.report import DriftReport, compare
from keel.govern import audit
from keel.store.drift import (
    PopulationFilter,
    get_baseline,
    insert_alert,
    latest_by_item,
    stability_intervals,
)
from keel.store.models import Alert, Baseline


@dataclass(frozen=True)
class Window:
    """The runs under check: a time range and optionally one model or config."""

    since: datetime | None = None
    until: datetime | None = None
    model: str | None = None
    config: str | None = None


@dataclass
class DriftCheck:
    """A finished check: the baseline, the window's bounds, the report and new alerts."""

    baseline: Baseline
    window_start: datetime | None
    window_end: datetime | None
    report: DriftReport
    new_alerts: list[Alert]


def _bounds(baseline: Baseline, window: Window) -> tuple[datetime | None, datetime | None]:
    since = window.since or baseline.until or baseline.created_at
    return since, window.until


def check_drift(
    session: Session,
    baseline_name: str,
    window: Window,
    thresholds: Thresholds | None = None,
    embed: Embed | None = None,
    ignore: Collection[str] = (),
) -> DriftCheck:
    """Compare the window's runs with baseline `baseline_name` and store new alerts.

    Indicators in `ignore` are not computed into the verdict (see `report.compare`).
    """
    unknown = sorted(n for n in ignore if indicator_family(n) not in INDICATOR_FAMILIES)
    if unknown:
        raise InvalidInput(
            f"unknown indicator(s) {', '.join(unknown)}; known: {', '.join(INDICATOR_FAMILIES)}",
            field="ignore",
        )
    baseline = get_baseline(session, baseline_name)
    if baseline is None:
        raise NotFound(f"no baseline named {baseline_name!r}", field="baseline")
    since, until = _bounds(baseline, window)
    filters = PopulationFilter(baseline.workflow_type, window.model, window.config, since, until)
    facts = workflow_facts(session, filters)
    if not facts:
        raise nothing_matched(session, filters, "in the window to check", "window")
    base = Population.from_json(baseline.population)
    current = Population.from_runs(observe(facts, embed if base.embeddings else None))
    report = compare(base, current, thresholds, ignore)
    # the window's end is exclusive, as `until` is: just past its newest run
    start, end = since, until or max(fact.created_at for fact in facts) + timedelta(microseconds=1)
    alerts = _record_alerts(session, baseline, report, start, end)
    return DriftCheck(baseline, start, end, report, alerts)


def _hour(moment: datetime | None, up: bool) -> str:
    if moment is None:
        return "-"
    floor = moment.replace(minute=0, second=0, microsecond=0)
    if up and floor != moment:
        floor += timedelta(hours=1)
    return floor.isoformat()


def _record_alerts(
    session: Session,
    baseline: Baseline,
    report: DriftReport,
    start: datetime | None,
    end: datetime | None,
) -> list[Alert]:
    """Store one alert per alerting indicator; the same window checked again adds none."""
    window_key = f"{_hour(start, up=False)}/{_hour(end, up=True)}"
    new: list[Alert] = []
    for indicator in report.indicators:
        if indicator.verdict != Verdict.ALERT:
            continue
        alert = Alert(
            dedup_key=f"drift:{baseline.name}:{indicator.name}:{window_key}",
            baseline_name=baseline.name,
            kind="drift",
            indicator=indicator.name,
            verdict=str(indicator.verdict),
            workflow_type=baseline.workflow_type,
            window_start=start,
            window_end=end,
            details=indicator.as_dict(),
        )
        if _raise_alert(session, alert):
            new.append(alert)
    return new


def _raise_alert(session: Session, alert: Alert) -> bool:
    """Store `alert` unless its dedup key exists; audit it when new; return whether it was."""
    if not insert_alert(session, alert):
        return False
    details = {
        "alert_id": alert.id,
        "kind": alert.kind,
        "indicator": alert.indicator,
        "dedup_key": alert.dedup_key,
    }
    audit.append(session, "alert.raised", f"baseline:{alert.baseline_name}", "keel", details)
    return True


@dataclass
class RegressionCheck:
    """A finished regression check: the baseline, the report and a new alert, if any."""

    baseline: Baseline
    report: RegressionReport
    new_alerts: list[Alert]


def check_regression(session: Session, baseline_name: str, window: Window) -> RegressionCheck:
    """Compare the window's runs of the baseline's items with the baseline's own runs.

    An alert it raises names the indicator `ticket_regression` (as stored alerts do): an
    item-by-item regression, whatever the workflow's items are.
    """
    baseline = get_baseline(session, baseline_name)
    if baseline is None:
        raise NotFound(f"no baseline named {baseline_name!r}", field="baseline")
    contract = workflow_contract(session, baseline.workflow_type)
    if contract.item_key is None:
        raise InvalidInput(
            f"workflow {baseline.workflow_type!r} names no item key in its output contract, "
            "so its runs cannot be compared item by item",
            field="baseline",
        )
    run_ids = tuple(baseline.run_ids.get("run_ids", []))
    frozen = PopulationFilter(baseline.workflow_type, run_ids=run_ids)
    before = latest_by_item(workflow_facts(session, frozen, contract))
    since, until = _bounds(baseline, window)
    rerun = PopulationFilter(baseline.workflow_type, window.model, window.config, since, until)
    after = latest_by_item(workflow_facts(session, rerun, contract))
    if not before:
        raise InvalidInput(
            f"baseline {baseline_name} has no runs with an item ({contract.item_key}) to rerun",
            field="baseline",
        )
    if not after:
        raise nothing_matched(session, rerun, "to compare with the baseline", "config")
    report = compare_items(before, after, stability_intervals(session, list(run_ids)))
    if report.compared == 0:
        raise InvalidInput(
            f"none of the {len(after)} items of the {describe(rerun)} is one of baseline "
            f"{baseline_name}'s {len(before)} ({contract.item_key}), so nothing was compared",
            field="config",
        )
    alerts: list[Alert] = []
    if report.regressed:
        alert = Alert(
            dedup_key=f"regression:{baseline.name}:{window.config or window.model or '-'}:"
            f"{_hour(since, up=False)}",
            baseline_name=baseline.name,
            kind="regression",
            indicator="ticket_regression",
            verdict=str(Verdict.ALERT),
            workflow_type=baseline.workflow_type,
            window_start=since,
            window_end=until,
            details={**report.as_dict(), "config": window.config, "model": window.model},
        )
        if _raise_alert(session, alert):
            alerts.append(alert)
    return RegressionCheck(baseline, report, alerts)
