"""What to tell someone whose baseline, window or rerun matched no runs: which runs do exist.

A gate that compared nothing must fail loudly, and the fix is nearly always a config label or
a date: so the error names the workflow's configurations, each with its run count and dates.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from keel.core.errors import InvalidInput
from keel.store.drift import PopulationFilter, config_spans, workflow_types


def _day(moment: datetime) -> str:
    return moment.date().isoformat()


def describe(filters: PopulationFilter) -> str:
    """Return the filters as words: `support runs of config 'v2' since 2026-11-01`."""
    words = [f"{filters.workflow_type} runs"]
    if filters.config:
        words.append(f"of config {filters.config!r}")
    if filters.model:
        words.append(f"of model {filters.model!r}")
    if filters.since:
        words.append(f"since {filters.since.isoformat(timespec='seconds')}")
    if filters.until:
        words.append(f"before {filters.until.isoformat(timespec='seconds')}")
    return " ".join(words)


def existing_runs(session: Session, workflow_type: str) -> str:
    """Return which runs of `workflow_type` exist, by configuration (or which workflows do)."""
    spans = config_spans(session, workflow_type)
    if not spans:
        known = ", ".join(workflow_types(session)) or "none"
        return f"there are no {workflow_type} runs at all (workflows with runs: {known})"
    listed = "; ".join(
        f"{s.config or '(no config)'}: {s.runs} runs, {_day(s.first)} to {_day(s.last)}"
        for s in spans
    )
    return f"{workflow_type} runs by configuration: {listed}"


def nothing_matched(
    session: Session, filters: PopulationFilter, purpose: str, field: str
) -> InvalidInput:
    """Return the error for `filters` matching no runs, for `purpose` (e.g. "to compare")."""
    return InvalidInput(
        f"no {describe(filters)} {purpose}; {existing_runs(session, filters.workflow_type)}",
        field=field,
    )
