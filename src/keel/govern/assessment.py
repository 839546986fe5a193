"""Assess stored runs: content policy flags on their output, and their risk score.

Called wherever a run's output or stability changes (an agent run is stored, a replay scores
it, a batch with outputs is ingested), in the same transaction as the change. The risk reads
every flag the run has, whatever raised it (content rules here, tool policies in keel.govern),
so `refresh_risk` is also what those other checks call after adding theirs.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence

from sqlalchemy.orm import Session

from keel.evaluate.contract import contract_for
from keel.evaluate.risk import risk_score
from keel.evaluate.rules.confidential import Withheld
from keel.evaluate.rules.engine import check_output
from keel.store.flags import flag_severities, flags_of_run, replace_flags
from keel.store.models import Run
from keel.store.runs import runs_by_id

CONTENT = "content"


def _asks_for_review(run: Run) -> bool:
    """Return whether the run's output sets its workflow's review flag (none: never)."""
    flag = contract_for(run.workflow_type, run.inputs, [run.output]).review_flag
    return bool((run.output or {}).get(flag)) if flag else False


def refresh_risks(session: Session, run_ids: Sequence[str]) -> None:
    """`refresh_risk` for many runs: one query for the runs, one for all their flags."""
    if not run_ids:
        return
    severities: dict[str, list[dict[str, str]]] = defaultdict(list)
    for run_id, severity in flag_severities(session, run_ids):
        severities[run_id].append({"severity": severity})
    for run in runs_by_id(session, run_ids):
        run.risk = risk_score(severities[run.run_id], _asks_for_review(run), run.stability).score


def refresh_risk(session: Session, run_id: str) -> float | None:
    """Recompute and store the risk of `run_id` from all its flags, review need and stability."""
    run = session.get(Run, run_id)
    if run is None:
        return None
    flags = [{"severity": flag.severity} for flag in flags_of_run(session, run_id)]
    run.risk = risk_score(flags, _asks_for_review(run), run.stability).score
    return run.risk


def assess_runs(session: Session, run_ids: Iterable[str]) -> None:
    """Flag the outputs of `run_ids` with the content rule packs and refresh their risk."""
    for run_id in run_ids:
        run = session.get(Run, run_id)
        if run is None:
            continue
        if run.output:
            withheld = Withheld.from_metrics(run.metrics)
            found = [flag.as_store_dict() for flag in check_output(run.output, withheld=withheld)]
            replace_flags(session, run_id, CONTENT, found)
            session.flush()
        refresh_risk(session, run_id)
