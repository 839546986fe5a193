"""Compare to Baseline (`/runs/{id}/baseline`, `GET /api/v1/runs/{id}/baseline`).

One run against a baseline of its workflow: the one named, else the workflow's newest. Without
one the comparison is None (the page then says how to freeze one).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from keel.core.errors import NotFound
from keel.core.records import RunStatus
from keel.drift.facts import facts_of_run
from keel.drift.population import Population
from keel.drift.run_comparison import compare_to_baseline, leave_out
from keel.store.drift import get_baseline, list_baselines
from keel.store.models import Baseline, Run


@dataclass(frozen=True)
class RunBaseline:
    """A run, its workflow's baselines (newest first), the one compared to, and the comparison."""

    run: Run
    baselines: list[str]
    baseline: Baseline | None
    comparison: dict[str, Any] | None


def _named(session: Session, name: str) -> Baseline:
    baseline = get_baseline(session, name)
    if baseline is None:
        raise NotFound(f"no baseline named {name!r}", field="baseline")
    return baseline


def run_baseline_data(session: Session, run_id: str, name: str | None = None) -> RunBaseline:
    """Return how run `run_id` compares to baseline `name` (default: its workflow's newest)."""
    run = session.get(Run, run_id)
    facts = facts_of_run(session, run_id)
    if run is None or facts is None:
        raise NotFound(f"no run with id {run_id!r}", field="run_id")
    mine = [b for b in list_baselines(session) if b.workflow_type == run.workflow_type]
    baseline = _named(session, name) if name else next(iter(mine), None)
    comparison = None
    if baseline is not None:
        population = Population.from_json(baseline.population)
        member = run_id in baseline.run_ids.get("run_ids", [])
        if member:
            population = leave_out(population, facts)
        unstable = run.status == RunStatus.UNSTABLE
        comparison = compare_to_baseline(facts, population, unstable=unstable)
        comparison["left_out"] = member
    return RunBaseline(run, [b.name for b in mine], baseline, comparison)


def _baseline_json(baseline: Baseline) -> dict[str, Any]:
    return {
        "name": baseline.name,
        "workflow_type": baseline.workflow_type,
        "model": baseline.model,
        "config": baseline.config,
        "n_runs": baseline.n_runs,
        "since": baseline.since.isoformat() if baseline.since else None,
        "until": baseline.until.isoformat() if baseline.until else None,
    }


def run_baseline_json(report: RunBaseline) -> dict[str, Any]:
    """Return the comparison as JSON-ready data (`baseline` and `comparison` None without one)."""
    run = report.run
    return {
        "run": {
            "run_id": run.run_id,
            "workflow_type": run.workflow_type,
            "model": run.model,
            "status": run.status,
            "config": (run.metrics or {}).get("config"),
        },
        "baselines": report.baselines,
        "baseline": _baseline_json(report.baseline) if report.baseline else None,
        "comparison": report.comparison,
    }
