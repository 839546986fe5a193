"""Aggregates for the Stability Overview, computed in the database (GROUP BY), never run by run.

Every window ends at the newest run's `created_at` (an indexed MAX), not at the wall clock, so
a database of past runs (a demo, an import) shows its own recent activity.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, select
from sqlalchemy.orm import Session

from keel.store.models import Run, ToolCall

STABILITY_BIN = 10  # points of stability per histogram bar: 0-10, ..., 90-100
P95 = 95


@dataclass(frozen=True)
class Bin:
    """One bar of a histogram: [low, high) (the last bar includes its high end) and its count."""

    low: float
    high: float
    count: int


@dataclass(frozen=True)
class DailyStability:
    """The mean stability of one workflow and model on one UTC day."""

    day: str
    workflow_type: str
    model: str | None
    mean: float
    runs: int


@dataclass(frozen=True)
class ToolHealth:
    """One tool's error rate and p95 latency in the recent window and in its own history."""

    tool_name: str
    calls: int
    errors: int
    p95_ms: float | None
    history_calls: int
    history_errors: int
    history_p95_ms: float | None

    @property
    def error_rate(self) -> float | None:
        """Return the window's share of calls that failed (None without calls)."""
        return self.errors / self.calls if self.calls else None

    @property
    def history_error_rate(self) -> float | None:
        """Return the history's share of calls that failed (None without calls)."""
        return self.history_errors / self.history_calls if self.history_calls else None


def newest_run_at(session: Session) -> datetime | None:
    """Return the newest run's creation time (an index lookup), or None without runs."""
    return session.scalar(select(func.max(Run.created_at)))


def stability_histogram(session: Session) -> tuple[list[Bin], int]:
    """Return the stability histogram of scored runs and the number of runs not scored yet."""
    top = 100 // STABILITY_BIN - 1
    # A CASE ladder is portable where FLOOR and integer casts round differently per dialect.
    bucket = case(
        *[(Run.stability >= b * STABILITY_BIN, b) for b in range(top, 0, -1)], else_=0
    ).label("bucket")
    rows = session.execute(
        select(bucket, func.count()).where(Run.stability.is_not(None)).group_by(bucket)
    ).all()
    counts = {int(b): int(n) for b, n in rows}
    bins = [
        Bin(b * STABILITY_BIN, (b + 1) * STABILITY_BIN, counts.get(b, 0)) for b in range(top + 1)
    ]
    unscored = session.scalar(select(func.count()).where(Run.stability.is_(None))) or 0
    return bins, int(unscored)


def _day(session: Session, column: Any) -> ColumnElement[str]:
    """Return the UTC calendar day of a timestamp column as 'YYYY-MM-DD' on either dialect."""
    if session.get_bind().dialect.name == "postgresql":
        return func.to_char(func.timezone("UTC", column), "YYYY-MM-DD")
    # SQLite keeps UTC timestamps as ISO text (keel.store.types.UTCDateTime).
    return func.substr(column, 1, 10)


def stability_over_time(session: Session, end: datetime, days: int = 28) -> list[DailyStability]:
    """Return the daily mean stability per workflow and model of original runs over the `days`
    before `end`: heal reruns (and replays) run on the day they are made, so counted in they
    would read as that day's production runs."""
    day = _day(session, Run.created_at).label("day")
    query = (
        select(day, Run.workflow_type, Run.model, func.avg(Run.stability), func.count())
        .where(Run.created_at > end - timedelta(days=days), Run.created_at <= end)
        .where(Run.stability.is_not(None))
        .where(Run.parent_run_id.is_(None))
        .group_by(day, Run.workflow_type, Run.model)
        .order_by(day, Run.workflow_type, Run.model)
    )
    return [
        DailyStability(str(d), w, m, float(mean), int(n))
        for d, w, m, mean, n in session.execute(query)
    ]


def loop_depth_histogram(session: Session) -> list[Bin]:
    """Return how many original runs (no replays or reruns) reached each loop depth."""
    rows = session.execute(
        select(Run.loop_depth, func.count())
        .where(Run.parent_run_id.is_(None))
        .group_by(Run.loop_depth)
        .order_by(Run.loop_depth)
    ).all()
    return [Bin(depth, depth + 1, int(count)) for depth, count in rows]


def _p95(session: Session, tool: str, period: ColumnElement[bool], timed: int) -> float | None:
    """Return the p95 latency (nearest rank) of `tool`'s `timed` calls within `period`.

    Read from the top: the value at ascending rank ceil(0.95 n) is the one after skipping
    n - ceil(0.95 n) from the largest, so the database keeps a top-5% heap instead of sorting.
    """
    if timed <= 0:
        return None
    wanted = (P95 * timed + 99) // 100
    value = session.scalar(
        select(ToolCall.latency_ms)
        .where(ToolCall.tool_name == tool, period, ToolCall.latency_ms.is_not(None))
        .order_by(ToolCall.latency_ms.desc())
        .limit(1)
        .offset(timed - wanted)
    )
    return None if value is None else float(value)


def tool_health(
    session: Session, end: datetime, window_days: int = 7, history_days: int = 28
) -> list[ToolHealth]:
    """Return per tool its recent window (the `window_days` up to `end`) against its history."""
    window_start = end - timedelta(days=window_days)
    since = window_start - timedelta(days=history_days)
    timed = ToolCall.latency_ms.is_not(None)
    recent = ToolCall.started_at >= window_start
    in_window = and_(recent, ToolCall.started_at <= end)
    in_history = and_(ToolCall.started_at >= since, ~recent)
    spanned = (ToolCall.started_at >= since, ToolCall.started_at <= end)

    def total(*conditions: ColumnElement[bool]) -> Any:
        return func.sum(case((and_(*conditions), 1), else_=0))

    # Both read indexes only: calls from (tool_name, started_at, latency_ms), failures from the
    # partial index of failed calls (see ToolCall's indexes).
    counts = session.execute(
        select(
            ToolCall.tool_name,
            total(recent),
            total(~recent),
            total(recent, timed),
            total(~recent, timed),
        )
        .where(*spanned)
        .group_by(ToolCall.tool_name)
        .order_by(ToolCall.tool_name)
    ).all()
    failures = {
        (tool, bool(is_recent)): int(n)
        for tool, is_recent, n in session.execute(
            select(ToolCall.tool_name, recent, func.count())
            .where(ToolCall.error.is_not(None), *spanned)
            .group_by(ToolCall.tool_name, recent)
        )
    }
    return [
        ToolHealth(
            tool,
            int(n or 0),
            failures.get((tool, True), 0),
            _p95(session, tool, in_window, int(tn or 0)),
            int(hn or 0),
            failures.get((tool, False), 0),
            _p95(session, tool, in_history, int(htn or 0)),
        )
        for tool, n, hn, tn, htn in counts
    ]
