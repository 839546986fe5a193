"""Read queries over runs: the filtered, sorted, paginated list, one run, and the filter values."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, or_, select
from sqlalchemy.orm import Session

from keel.errors import InvalidInput
from keel.store.flags import flags_of_run
from keel.store.models import Event, PolicyFlag, Run, ToolCall
from keel.store.run_links import RunLinks, run_links

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


@dataclass
class RunsPage:
    """One page of runs and the cursor of the next page (None on the last)."""

    runs: list[Run]
    next_cursor: str | None
    sort: str
    descending: bool
    filters: RunFilters = field(default_factory=RunFilters)


def _filter_clauses(filters: RunFilters) -> list[ColumnElement[bool]]:
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
    return clauses


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


def _after_cursor(column: Any, cursor: str, descending: bool) -> ColumnElement[bool]:
    """Keyset predicate for rows after `cursor`, ordering NULLs last in both directions."""
    value, run_id = _decode_cursor(cursor)
    id_after = Run.run_id < run_id if descending else Run.run_id > run_id
    if value is None:
        return and_(column.is_(None), id_after)
    beyond = column < value if descending else column > value
    return or_(beyond, and_(column == value, id_after), column.is_(None))


def runs_page(
    session: Session,
    filters: RunFilters,
    *,
    sort: str = "created_at",
    descending: bool = True,
    cursor: str | None = None,
    limit: int = 50,
) -> RunsPage:
    """Return one page of runs matching `filters`, ordered by `sort` then run id."""
    column = SORTABLE.get(sort)
    if column is None:
        raise InvalidInput(f"sort must be one of {', '.join(sorted(SORTABLE))}", field="sort")
    query: Select[tuple[Run]] = select(Run).where(*_filter_clauses(filters))
    if cursor:
        query = query.where(_after_cursor(column, cursor, descending))
    order = [column.desc(), Run.run_id.desc()] if descending else [column.asc(), Run.run_id.asc()]
    if column is not Run.run_id:
        order.insert(0, column.is_(None))
    runs = list(session.scalars(query.order_by(*order).limit(limit + 1)))
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


def run_facets(session: Session, limit: int = 200) -> RunFacets:
    """Return the distinct workflow types and models stored (each read off its index)."""
    workflows = session.scalars(
        select(Run.workflow_type).distinct().order_by(Run.workflow_type).limit(limit)
    )
    models = session.scalars(
        select(Run.model).where(Run.model.is_not(None)).distinct().order_by(Run.model).limit(limit)
    )
    return RunFacets(list(workflows), [model for model in models if model])
