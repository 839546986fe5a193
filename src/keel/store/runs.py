"""Read queries over runs: the filtered, sorted, paginated list, one run, and the filter values."""

from __future__ import annotations

import base64
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, func, or_, select
from sqlalchemy.orm import Session

from keel.core.errors import InvalidInput
from keel.core.severity import Severity
from keel.store.flags import flags_of_run
from keel.store.models import Event, PolicyFlag, Run, ToolCall
from keel.store.run_links import RunLinks, run_links
from keel.store.search import matches_search

SORTABLE = {
    "created_at": Run.created_at,
    "run_id": Run.run_id,
    "workflow_type": Run.workflow_type,
    "model": Run.model,
    "tool_count": Run.tool_count,
    "total_tokens": Run.total_tokens,
    "cost_usd": Run.cost_usd,
    "loop_depth": Run.loop_depth,
    "stability": Run.stability,
    "risk": Run.risk,
    "status": Run.status,
    "config": Run.config,
}


@dataclass
class RunFilters:
    """What the runs list can be narrowed by; None means "any"."""

    workflow_type: str | None = None
    status: str | None = None
    model: str | None = None
    stability_min: float | None = None
    stability_max: float | None = None
    since: datetime | None = None
    until: datetime | None = None
    run_id_prefix: str | None = None
    #: Leave out derived runs (replays, heals: those with a parent run).
    originals_only: bool = False
    #: Only runs with a flag of this rule (and, with `flag_severity`, of that severity or worse).
    flag_rule: str | None = None
    #: Only runs with a flag of this severity or worse.
    flag_severity: Severity | None = None
    risk_min: float | None = None
    config: str | None = None
    #: Words that must all appear in the run's ticket text or answer (keel.store.search).
    search: tuple[str, ...] | None = None

    @property
    def narrowed(self) -> bool:
        """Return whether any filter leaves runs out (the originals-only default aside)."""
        return any(
            value is not None for name, value in vars(self).items() if name != "originals_only"
        )


@dataclass
class RunsPage:
    """One page of runs and the cursor of the next page (None on the last)."""

    runs: list[Run]
    next_cursor: str | None
    sort: str
    descending: bool
    filters: RunFilters = field(default_factory=RunFilters)


def _filter_clauses(filters: RunFilters, session: Session) -> list[ColumnElement[bool]]:
    clauses: list[ColumnElement[bool]] = []
    if filters.workflow_type:
        clauses.append(Run.workflow_type == filters.workflow_type)
    if filters.status:
        clauses.append(Run.status == filters.status)
    if filters.model:
        clauses.append(Run.model == filters.model)
    if filters.stability_min is not None:
        clauses.append(Run.stability >= filters.stability_min)
    if filters.stability_max is not None:
        clauses.append(Run.stability <= filters.stability_max)
    if filters.since:
        clauses.append(Run.created_at >= filters.since)
    if filters.until:
        clauses.append(Run.created_at < filters.until)
    if filters.run_id_prefix:
        clauses.append(Run.run_id.startswith(filters.run_id_prefix, autoescape=True))
    if filters.originals_only:
        clauses.append(Run.parent_run_id.is_(None))
    if filters.risk_min is not None:
        clauses.append(Run.risk >= filters.risk_min)
    if filters.flag_rule or filters.flag_severity:
        clauses.append(_has_flag(filters.flag_rule, filters.flag_severity))
    if filters.config:
        clauses.append(Run.config == filters.config)
    if filters.search:
        clauses.append(matches_search(session, filters.search))
    return clauses


def _has_flag(rule_id: str | None, severity: Severity | None) -> ColumnElement[bool]:
    """Whether the run has one flag matching both the rule and the severity floor given."""
    matching = select(PolicyFlag.id).where(PolicyFlag.run_id == Run.run_id)
    if rule_id:
        matching = matching.where(PolicyFlag.rule_id == rule_id)
    if severity is not None:
        worse = [level.value for level in Severity if level.rank >= severity.rank]
        matching = matching.where(PolicyFlag.severity.in_(worse))
    return matching.exists()


def _encode_cursor(value: Any, run_id: str) -> str:
    if isinstance(value, datetime):
        value = {"dt": value.isoformat()}
    raw = json.dumps([value, run_id]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_cursor(cursor: str) -> tuple[Any, str]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        value, run_id = json.loads(raw)
    except (ValueError, TypeError) as exc:
        raise InvalidInput("cursor is not one this API issued", field="cursor") from exc
    if isinstance(value, dict) and "dt" in value:
        value = datetime.fromisoformat(value["dt"])
    return value, str(run_id)


def _beyond(column: Any, value: Any, run_id: str, descending: bool) -> ColumnElement[bool]:
    """Keyset predicate for rows after (value, run_id); the leading range keeps it sargable."""
    if descending:
        return and_(column <= value, or_(column < value, Run.run_id < run_id))
    return and_(column >= value, or_(column > value, Run.run_id > run_id))


def _ordered(column: Any, descending: bool) -> list[Any]:
    if column is Run.run_id:
        return [Run.run_id.desc() if descending else Run.run_id.asc()]
    if descending:
        return [column.desc(), Run.run_id.desc()]
    return [column.asc(), Run.run_id.asc()]


def runs_page(
    session: Session,
    filters: RunFilters,
    *,
    sort: str = "created_at",
    descending: bool = True,
    cursor: str | None = None,
    limit: int = 50,
) -> RunsPage:
    """Return one page of runs matching `filters`, ordered by `sort` then run id, NULLs last.

    Rows with a value and rows without one are read by two queries, each a plain index range
    scan: SQLite and PostgreSQL disagree on where NULLs sort, and ordering by `col IS NULL`
    first would make either database sort every matching row before returning fifty.
    """
    column = SORTABLE.get(sort)
    if column is None:
        raise InvalidInput(f"sort must be one of {', '.join(sorted(SORTABLE))}", field="sort")
    query: Select[tuple[Run]] = select(Run).where(*_filter_clauses(filters, session))
    after = _decode_cursor(cursor) if cursor else None
    nullable = bool(Run.__table__.c[column.key].nullable)
    runs: list[Run] = []
    if after is None or after[0] is not None:
        valued = query.where(column.is_not(None)) if nullable else query
        if after is not None:
            valued = valued.where(_beyond(column, after[0], after[1], descending))
        ordered = valued.order_by(*_ordered(column, descending)).limit(limit + 1)
        runs = list(session.scalars(ordered))
    if nullable and len(runs) <= limit:
        empty = query.where(column.is_(None))
        if after is not None and after[0] is None:
            empty = empty.where(Run.run_id < after[1] if descending else Run.run_id > after[1])
        ordered = empty.order_by(*_ordered(Run.run_id, descending)).limit(limit + 1 - len(runs))
        runs += session.scalars(ordered)
    next_cursor = None
    if len(runs) > limit:
        runs = runs[:limit]
        last = runs[-1]
        next_cursor = _encode_cursor(getattr(last, column.key), last.run_id)
    return RunsPage(runs, next_cursor, sort, descending, filters)


@dataclass
class RunDetail:
    """A run with its events (in start order) and tool calls; with `related`, flags and links."""

    run: Run
    events: list[Event]
    tool_calls: list[ToolCall]
    flags: list[PolicyFlag] = field(default_factory=list)
    links: RunLinks = field(default_factory=RunLinks)


def run_detail(session: Session, run_id: str, *, related: bool = False) -> RunDetail | None:
    """Return the run `run_id` with its events and tool calls, or None when unknown.

    `related` adds its policy flags and the runs linked to it (parent, derived runs, replays).
    """
    run = session.get(Run, run_id)
    if run is None:
        return None
    events = session.scalars(
        select(Event)
        .where(Event.run_id == run_id)
        .order_by(Event.started_at.is_(None), Event.started_at, Event.seq)
    ).all()
    calls = session.scalars(
        select(ToolCall)
        .where(ToolCall.run_id == run_id)
        .order_by(ToolCall.started_at.is_(None), ToolCall.started_at, ToolCall.seq)
    ).all()
    detail = RunDetail(run, list(events), list(calls))
    if related:
        detail.flags = flags_of_run(session, run_id)
        detail.links = run_links(session, run)
    return detail


@dataclass(frozen=True)
class RunFacets:
    """The values the runs list can be filtered on, for the filter dropdowns."""

    workflow_types: list[str]
    models: list[str]
    flag_rules: list[str] = field(default_factory=list)
    configs: list[str] = field(default_factory=list)


def run_facets(session: Session, limit: int = 200) -> RunFacets:
    """Return the distinct workflow types, models, flag rules and configurations stored (each
    read off its index)."""
    return RunFacets(
        [str(value) for value in _distinct_values(session, Run.workflow_type, limit)],
        [str(value) for value in _distinct_values(session, Run.model, limit)],
        [str(value) for value in _distinct_values(session, PolicyFlag.rule_id, limit)],
        [str(value) for value in _distinct_values(session, Run.config, limit)],
    )


def _distinct_values(session: Session, column: Any, limit: int) -> list[Any]:
    """Return the distinct non-NULL values of an indexed column, smallest first.

    A loose index scan: each step asks the index for the smallest value above the last one,
    so the cost grows with the number of distinct values, not with the number of runs.
    """
    values = select(func.min(column).label("value")).cte("distinct_values", recursive=True)
    following = select(func.min(column)).where(column > values.c.value).scalar_subquery()
    values = values.union_all(select(following.label("value")).where(values.c.value.is_not(None)))
    query = select(values.c.value).where(values.c.value.is_not(None)).limit(limit)
    return list(session.scalars(query))


def runs_by_id(session: Session, run_ids: Sequence[str]) -> list[Run]:
    """Return the runs among `run_ids` that exist."""
    return list(session.scalars(select(Run).where(Run.run_id.in_(list(run_ids)))))
