"""The runs list (`/`, `GET /api/v1/runs`, `keel runs list`): one page of runs, filtered, sorted.

Each row carries what the support lead reads off it: its risk in words, the policy flags it
raised, and the runs derived from it (replays, heals), which the originals-only list folds
under their original.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from keel.core.severity import Severity
from keel.evaluate.risk import RiskLevel, risk_level
from keel.reports.rows import RunSummary
from keel.store.flags import flags_of_runs
from keel.store.run_links import derived_runs
from keel.store.runs import RunFilters, runs_page


class FlagBrief(BaseModel):
    """One policy rule a run raised, at the worst severity it raised it."""

    rule_id: str
    severity: str


class DerivedRunOut(BaseModel):
    run_id: str
    kind: str
    status: str
    created_at: datetime
    risk: float | None
    risk_level: RiskLevel | None


class RunRow(RunSummary):
    """A run as the runs list shows it."""

    risk_level: RiskLevel | None = None
    flags: list[FlagBrief] = Field(default_factory=list)
    derived: list[DerivedRunOut] = Field(default_factory=list)


class RunsPageOut(BaseModel):
    runs: list[RunRow]
    next_cursor: str | None


def flag_briefs(session: Session, run_ids: list[str]) -> dict[str, list[FlagBrief]]:
    """Return each run's flag rules, worst first, each at its worst severity."""
    worst: dict[str, dict[str, Severity]] = {}
    for flag in flags_of_runs(session, run_ids):
        rules = worst.setdefault(flag.run_id, {})
        level = Severity(flag.severity)
        if flag.rule_id not in rules or level.rank > rules[flag.rule_id].rank:
            rules[flag.rule_id] = level
    return {
        run_id: [
            FlagBrief(rule_id=rule, severity=level)
            for rule, level in sorted(rules.items(), key=lambda item: (-item[1].rank, item[0]))
        ]
        for run_id, rules in worst.items()
    }


def runs_data(
    session: Session,
    filters: RunFilters,
    *,
    sort: str = "created_at",
    descending: bool = True,
    cursor: str | None = None,
    limit: int = 50,
) -> RunsPageOut:
    """Return one page of runs matching `filters` and the cursor of the next page."""
    page = runs_page(session, filters, sort=sort, descending=descending, cursor=cursor, limit=limit)
    run_ids = [run.run_id for run in page.runs]
    flags = flag_briefs(session, run_ids)
    derived = derived_runs(session, run_ids)
    rows = []
    for run in page.runs:
        row = RunRow.model_validate(run)
        row.risk_level = risk_level(run.risk)
        row.flags = flags.get(run.run_id, [])
        row.derived = [
            DerivedRunOut(
                run_id=child.run_id,
                kind=child.kind,
                status=child.status,
                created_at=child.created_at,
                risk=child.risk,
                risk_level=risk_level(child.risk),
            )
            for child in derived.get(run.run_id, [])
        ]
        rows.append(row)
    return RunsPageOut(runs=rows, next_cursor=page.next_cursor)
