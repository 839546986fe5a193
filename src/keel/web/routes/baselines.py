"""`GET /api/v1/runs/{id}/baseline`: how one run compares to a baseline of its workflow.

The baseline is the one named by `?baseline=`, else the newest baseline of the run's workflow.
The answer is null when the workflow has none (the page then says how to freeze one).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query
from sqlalchemy.orm import Session

from keel.auth.scopes import Scope
from keel.core.errors import NotFound
from keel.drift.facts import facts_of_run
from keel.drift.population import Population
from keel.drift.run_comparison import compare_to_baseline
from keel.store.drift import get_baseline, list_baselines
from keel.store.models import Baseline, Run
from keel.web.deps import DatabaseDep
from keel.web.security import require

router = APIRouter(prefix="/api/v1", tags=["runs"])

BaselineQuery = Query(None, description="Baseline name (default: the workflow's newest).")


def _baseline_of(session: Session, run: Run, name: str | None) -> Baseline | None:
    if name:
        baseline = get_baseline(session, name)
        if baseline is None:
            raise NotFound(f"no baseline named {name!r}", field="baseline")
        return baseline
    mine = [b for b in list_baselines(session) if b.workflow_type == run.workflow_type]
    return mine[0] if mine else None


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


def run_baseline_data(session: Session, run_id: str, name: str | None) -> dict[str, Any]:
    """Return the run, the baseline it is compared to (or None) and the comparison."""
    run = session.get(Run, run_id)
    facts = facts_of_run(session, run_id)
    if run is None or facts is None:
        raise NotFound(f"no run with id {run_id!r}", field="run_id")
    baseline = _baseline_of(session, run, name)
    others = [b.name for b in list_baselines(session) if b.workflow_type == run.workflow_type]
    data: dict[str, Any] = {
        "run": {
            "run_id": run.run_id,
            "workflow_type": run.workflow_type,
            "model": run.model,
            "status": run.status,
            "config": (run.metrics or {}).get("config"),
        },
        "baselines": others,
        "baseline": None,
        "comparison": None,
    }
    if baseline is not None:
        population = Population.from_json(baseline.population)
        data["baseline"] = _baseline_json(baseline)
        data["comparison"] = compare_to_baseline(facts, population)
    return data


@router.get("/runs/{run_id}/baseline", dependencies=[require(Scope.READ)])
def run_baseline_json(
    run_id: str, db: DatabaseDep, baseline: str | None = BaselineQuery
) -> dict[str, Any]:
    """Return how run `run_id` compares to a baseline of its workflow."""
    with db.read() as session:
        return run_baseline_data(session, run_id, baseline)
