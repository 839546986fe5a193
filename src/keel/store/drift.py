"""Queries for drift: the observations of a population of runs, baselines and alerts.

Which output field is a run's decision or answer, and which input names its item, is the
workflow's output contract; the store cannot resolve contracts (plugins live above it), so the
caller passes the names (`FactFields`, which a `keel.evaluate.contract.OutputContract` is).
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import ColumnElement, func, null, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from keel.core.records import DECLARED_CONTRACT_KEY
from keel.store.models import (
    CONFIG_COLUMN_CHARS,
    Alert,
    Baseline,
    PolicyFlag,
    ReplaySet,
    Run,
    ToolCall,
)


class FactFields(Protocol):
    """The names drift reads a run by: its decision and answer fields, and its item's input."""

    @property
    def decision(self) -> str | None:
        """Return the output field holding the decision (None: the workflow has none)."""
        ...

    @property
    def answer(self) -> str | None:
        """Return the output field holding the answer text."""
        ...

    @property
    def item_key(self) -> str | None:
        """Return the input naming the item a run is about (None: runs are not items)."""
        ...


@dataclass(frozen=True)
class PopulationFilter:
    """Which runs make a population: a workflow, optionally a model / config, a time window."""

    workflow_type: str
    model: str | None = None
    config: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    run_ids: tuple[str, ...] | None = None


@dataclass
class DriftFacts:
    """The stored facts about one run that drift compares (`decision`, `answer` and `item` as
    its workflow's contract names them)."""

    run_id: str
    created_at: datetime
    decision: str | None
    answer: str | None
    stability: float | None
    cost_usd: float
    total_tokens: int
    latency_ms: float | None
    tool_path: list[str]
    tool_errors: list[str]
    flag_rules: list[str]
    item: str | None


def population_where(filters: PopulationFilter) -> list[ColumnElement[bool]]:
    """Return the WHERE clauses of a population: its base runs (replays and reruns excluded)."""
    clauses: list[ColumnElement[bool]] = [Run.workflow_type == filters.workflow_type]
    if filters.model:
        clauses.append(Run.model == filters.model)
    if filters.config:
        # The indexed copy of the label (keel.store.writes.config_label) holds it whole up to
        # 128 characters; a longer one is compared in the JSON.
        if len(filters.config) < CONFIG_COLUMN_CHARS:
            clauses.append(Run.config == filters.config)
        else:
            clauses.append(Run.metrics["config"].as_string() == filters.config)
    if filters.since:
        clauses.append(Run.created_at >= filters.since)
    if filters.until:
        clauses.append(Run.created_at < filters.until)
    if filters.run_ids is not None:
        clauses.append(Run.run_id.in_(filters.run_ids))
    # Replays and healed reruns describe the base run, not the population.
    clauses.append(Run.parent_run_id.is_(None))
    return clauses


def population_facts(
    session: Session, filters: PopulationFilter, fields: FactFields
) -> list[DriftFacts]:
    """Return the facts of every run matching `filters`, oldest first."""
    return _facts_where(session, population_where(filters), fields)


def run_facts(session: Session, run_id: str, fields: FactFields) -> DriftFacts | None:
    """Return the facts of run `run_id` (a replay or rerun too), or None when unknown."""
    facts = _facts_where(session, [Run.run_id == run_id], fields)
    return facts[0] if facts else None


def recent_declarations(
    session: Session, workflow_type: str, limit: int
) -> list[tuple[Any, dict[str, Any] | None]]:
    """Return the declared contract and the output of the workflow's newest `limit` runs."""
    query = (
        select(Run.inputs[DECLARED_CONTRACT_KEY], Run.output)
        .where(Run.workflow_type == workflow_type, Run.parent_run_id.is_(None))
        .order_by(Run.created_at.desc(), Run.run_id.desc())
        .limit(limit)
    )
    return [(declared, output) for declared, output in session.execute(query)]


def _facts_where(
    session: Session, where: list[ColumnElement[bool]], fields: FactFields
) -> list[DriftFacts]:
    item = Run.inputs[fields.item_key].as_string() if fields.item_key else null()
    rows = session.execute(
        select(
            Run.run_id,
            Run.created_at,
            Run.output,
            Run.stability,
            Run.cost_usd,
            Run.latency_ms,
            Run.total_tokens,
            item,
        )
        .where(*where)
        .order_by(Run.created_at, Run.run_id)
    ).all()
    paths: dict[str, list[str]] = defaultdict(list)
    errors: dict[str, list[str]] = defaultdict(list)
    calls = session.execute(
        select(ToolCall.run_id, ToolCall.tool_name, ToolCall.error)
        .join(Run, Run.run_id == ToolCall.run_id)
        .where(*where)
        .order_by(ToolCall.run_id, ToolCall.started_at, ToolCall.seq)
    )
    for run_id, tool, error in calls:
        paths[run_id].append(tool)
        if error:
            errors[run_id].append(tool)
    flags: dict[str, list[str]] = defaultdict(list)
    flagged = session.execute(
        select(PolicyFlag.run_id, PolicyFlag.rule_id)
        .join(Run, Run.run_id == PolicyFlag.run_id)
        .where(*where)
    )
    for run_id, rule in flagged:
        flags[run_id].append(rule)
    return [_facts(row, fields, paths, errors, flags) for row in rows]


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _label(value: Any) -> str | None:
    """Return a decision as the label drift counts (JSON for a non-string, None for none)."""
    if value is None or isinstance(value, str):
        return value
    return json.dumps(value, sort_keys=True)


def _facts(row: Any, fields: FactFields, paths: Any, errors: Any, flags: Any) -> DriftFacts:
    output = row.output or {}
    return DriftFacts(
        run_id=row.run_id,
        created_at=row.created_at,
        decision=_label(output.get(fields.decision)) if fields.decision else None,
        answer=_text(output.get(fields.answer)) if fields.answer else None,
        stability=row.stability,
        cost_usd=row.cost_usd,
        total_tokens=row.total_tokens,
        latency_ms=row.latency_ms,
        tool_path=paths[row.run_id],
        tool_errors=errors[row.run_id],
        flag_rules=flags[row.run_id],
        item=None if row[7] is None else str(row[7]),
    )


def save_baseline(session: Session, baseline: Baseline) -> None:
    """Store a new baseline; a name already taken is refused by the unique key."""
    session.add(baseline)
    session.flush()


def get_baseline(session: Session, name: str) -> Baseline | None:
    """Return the baseline called `name`, or None."""
    return session.get(Baseline, name)


def list_baselines(session: Session) -> list[Baseline]:
    """Return every baseline, newest first."""
    return list(session.scalars(select(Baseline).order_by(Baseline.created_at.desc())))


def _overlapping_drift(session: Session, alert: Alert) -> bool:
    """Return whether a drift alert of the same baseline and indicator covers part of
    `alert`'s window (windows without an end are open)."""
    query = select(Alert.id).where(
        Alert.kind == "drift",
        Alert.baseline_name == alert.baseline_name,
        Alert.indicator == alert.indicator,
    )
    if alert.window_end is not None:
        query = query.where(Alert.window_start.is_(None) | (Alert.window_start < alert.window_end))
    if alert.window_start is not None:
        query = query.where(Alert.window_end.is_(None) | (Alert.window_end > alert.window_start))
    return session.scalar(query.limit(1)) is not None


def insert_alert(session: Session, alert: Alert) -> bool:
    """Store `alert` unless one with its dedup key exists or, for drift, one of the same
    baseline and indicator overlaps its window (a `--last 7d` check re-run an hour later slides
    its window: the same drift, not a new one); return whether it was new."""
    if alert.kind == "drift" and _overlapping_drift(session, alert):
        return False
    try:
        with session.begin_nested():
            session.add(alert)
    except IntegrityError:
        return False
    return True


def mark_delivered(session: Session, alert_id: int, when: datetime) -> None:
    """Record that alert `alert_id` was posted to the webhook."""
    alert = session.get(Alert, alert_id)
    if alert is not None:
        alert.delivered_at = when


def recent_alerts(
    session: Session, limit: int = 50, workflow_type: str | None = None
) -> list[Alert]:
    """Return the newest alerts, optionally for one workflow."""
    query = select(Alert).order_by(Alert.created_at.desc(), Alert.id.desc()).limit(limit)
    if workflow_type:
        query = query.where(Alert.workflow_type == workflow_type)
    return list(session.scalars(query))


def get_alert(session: Session, alert_id: int) -> Alert | None:
    """Return alert `alert_id`, or None."""
    return session.get(Alert, alert_id)


def alerts_for_run(session: Session, run: Run) -> list[Alert]:
    """Return the alerts whose window and workflow cover `run`."""
    query = select(Alert).where(
        Alert.workflow_type == run.workflow_type,
        Alert.window_start <= run.created_at,
        Alert.window_end > run.created_at,
    )
    return list(session.scalars(query.order_by(Alert.created_at.desc())))


def undelivered_alerts(session: Session) -> list[Alert]:
    """Return alerts not yet accepted by the webhook, oldest first."""
    query = select(Alert).where(Alert.delivered_at.is_(None)).order_by(Alert.id)
    return list(session.scalars(query))


def latest_by_item(facts: list[DriftFacts]) -> dict[str, DriftFacts]:
    """Return the newest run of each item among `facts` (oldest first in, so last wins)."""
    return {fact.item: fact for fact in facts if fact.item}


def stability_intervals(session: Session, run_ids: list[str]) -> dict[str, tuple[float, float]]:
    """Return the 95% stability interval of each run's newest completed replay set."""
    query = (
        select(ReplaySet.base_run_id, ReplaySet.result)
        .where(ReplaySet.base_run_id.in_(run_ids), ReplaySet.status == "completed")
        .order_by(ReplaySet.created_at)
    )
    intervals = {}
    for run_id, result in session.execute(query):
        interval = (result or {}).get("stability", {}).get("interval") or {}
        if "low" in interval and "high" in interval:
            intervals[run_id] = (float(interval["low"]), float(interval["high"]))
    return intervals


@dataclass(frozen=True)
class ConfigSpan:
    """How many original runs of a workflow carry one config label, and when they ran."""

    config: str | None
    runs: int
    first: datetime
    last: datetime


def config_spans(
    session: Session,
    workflow_type: str,
    since: datetime | None = None,
    until: datetime | None = None,
) -> list[ConfigSpan]:
    """Return the workflow's original runs (created in [since, until) when given) grouped by
    config label, most runs first."""
    config = Run.metrics["config"].as_string()
    query = (
        select(config, func.count(), func.min(Run.created_at), func.max(Run.created_at))
        .where(Run.workflow_type == workflow_type, Run.parent_run_id.is_(None))
        .group_by(config)
    )
    if since is not None:
        query = query.where(Run.created_at >= since)
    if until is not None:
        query = query.where(Run.created_at < until)
    rows = session.execute(query).all()
    spans = [ConfigSpan(*row) for row in rows]
    return sorted(spans, key=lambda s: (-s.runs, s.config or ""))


def workflow_types(session: Session) -> list[str]:
    """Return the workflow types that have runs, alphabetically."""
    return list(session.scalars(select(Run.workflow_type).distinct().order_by(Run.workflow_type)))
