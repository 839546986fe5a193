"""Queries for the reliability profile: a population's runs with their replays, tools and flags.

Four queries whatever the population's size: the base runs, their replay runs, the tool calls
of both, the flags of both. Which input names a run's item is the workflow's contract; the
caller passes its name (`item_key`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, func, null, select
from sqlalchemy.orm import Session

from keel.store.drift import PopulationFilter, population_where
from keel.store.models import PolicyFlag, Replay, ReplaySet, Run, ToolCall

BASE = "base"


@dataclass
class ProfileRow:
    """One stored run as the profile reads it; `kind` is base or the replay's perturbation."""

    run_id: str
    base_run_id: str
    kind: str
    status: str
    output: dict[str, Any] | None
    item: str | None
    expected: Any
    total_tokens: int
    cost_usd: float
    latency_ms: float | None
    stability: float | None
    tools: list[str] = field(default_factory=list)
    tool_errors: int = 0
    flags: list[tuple[str, str, str]] = field(default_factory=list)


def _columns(item_key: str | None) -> list[Any]:
    item = Run.inputs[item_key].as_string() if item_key else null()
    return [
        Run.run_id,
        Run.status,
        Run.output,
        item,
        Run.metrics["expected"],
        Run.total_tokens,
        Run.cost_usd,
        Run.latency_ms,
        Run.stability,
    ]


def _row(values: Any, base_run_id: str, kind: str) -> ProfileRow:
    run_id, status, output, item, expected, tokens, cost, latency, stability = values
    return ProfileRow(
        run_id=run_id,
        base_run_id=base_run_id,
        kind=kind,
        status=status,
        output=output,
        item=None if item is None else str(item),
        expected=expected,
        total_tokens=int(tokens or 0),
        cost_usd=float(cost or 0.0),
        latency_ms=latency,
        stability=stability,
    )


def profile_rows(
    session: Session, filters: PopulationFilter, item_key: str | None
) -> list[ProfileRow]:
    """Return the population's base runs and every replay run of them, base runs first."""
    where = population_where(filters)
    bases = select(Run.run_id).where(*where)
    rows = [_row(v, v[0], BASE) for v in session.execute(select(*_columns(item_key)).where(*where))]
    replays = session.execute(
        select(Replay.base_run_id, Replay.perturbation_type, *_columns(item_key))
        .join(Run, Run.run_id == Replay.replay_run_id)
        .where(Replay.base_run_id.in_(bases))
    )
    rows += [_row(v[2:], v[0], v[1]) for v in replays]
    by_id = {row.run_id: row for row in rows}
    replay_ids = select(Replay.replay_run_id).where(Replay.base_run_id.in_(bases))
    for run_ids in (bases, replay_ids):
        _add_tools(session, by_id, ToolCall.run_id.in_(run_ids))
        _add_flags(session, by_id, PolicyFlag.run_id.in_(run_ids))
    return rows


#: Base runs per query when they are named (a bound parameter each).
RUN_IDS_PER_QUERY = 2_000


def profile_rows_of(
    session: Session, filters: PopulationFilter, item_key: str | None, run_ids: list[str]
) -> list[ProfileRow]:
    """Return `profile_rows` of the population's base runs `run_ids` alone."""
    rows: list[ProfileRow] = []
    for start in range(0, len(run_ids), RUN_IDS_PER_QUERY):
        chunk = tuple(run_ids[start : start + RUN_IDS_PER_QUERY])
        # The runs named are the population's: its other filters would only mislead SQLite's
        # planner into walking the config index over every run of it, not the named ones.
        named = PopulationFilter(filters.workflow_type, run_ids=chunk)
        rows += profile_rows(session, named, item_key)
    return rows


def _add_tools(session: Session, rows: dict[str, ProfileRow], where: ColumnElement[bool]) -> None:
    calls = session.execute(
        select(ToolCall.run_id, ToolCall.tool_name, ToolCall.error)
        .where(where)
        .order_by(ToolCall.run_id, ToolCall.started_at, ToolCall.seq)
    )
    for run_id, tool, error in calls:
        row = rows.get(run_id)
        if row is not None:
            row.tools.append(tool)
            row.tool_errors += error is not None


def _add_flags(session: Session, rows: dict[str, ProfileRow], where: ColumnElement[bool]) -> None:
    flags = session.execute(
        select(PolicyFlag.run_id, PolicyFlag.source, PolicyFlag.rule_id, PolicyFlag.severity).where(
            where
        )
    )
    for run_id, source, rule_id, severity in flags:
        row = rows.get(run_id)
        if row is not None:
            row.flags.append((source, rule_id, severity))


def replay_candidates(
    session: Session, filters: PopulationFilter, item_key: str | None
) -> list[tuple[str, str, bool]]:
    """Return (run id, item, has a completed replay set) of each base run of the population.

    The item is the run's `item_key` input, else its own id.
    """
    where = population_where(filters)
    item = Run.inputs[item_key].as_string() if item_key else null()
    replayed = set(
        session.scalars(
            select(ReplaySet.base_run_id).where(
                ReplaySet.status == "completed",
                ReplaySet.base_run_id.in_(select(Run.run_id).where(*where)),
            )
        )
    )
    rows = session.execute(select(Run.run_id, item).where(*where).order_by(Run.run_id))
    return [(run_id, str(value or run_id), run_id in replayed) for run_id, value in rows]


def configs_of(session: Session, workflow_type: str) -> list[str]:
    """Return the config labels of the workflow's base runs, in order of first use."""
    label = Run.metrics["config"].as_string()
    query = (
        select(label, func.min(Run.created_at).label("first"))
        .where(Run.workflow_type == workflow_type, Run.parent_run_id.is_(None), label.is_not(None))
        .group_by(label)
        .order_by("first")
    )
    return [value for value, _ in session.execute(query)]


def profiled_workflows(session: Session) -> list[str]:
    """Return the workflow types that have base runs, by name."""
    query = select(Run.workflow_type).where(Run.parent_run_id.is_(None)).distinct()
    return sorted(session.scalars(query))
