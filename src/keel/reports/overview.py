"""The Stability Overview (`/overview`, `GET /api/v1/overview`): aggregates over every run.

Every number comes from a GROUP BY in keel.store.overview; nothing here loads runs one by one.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from keel.store.drift import recent_alerts
from keel.store.models import Alert
from keel.store.overview import (
    Bin,
    DailyStability,
    ToolHealth,
    loop_depth_histogram,
    newest_run_at,
    stability_histogram,
    stability_over_time,
    tool_health,
)

# A tool is anomalous when its recent window is clearly worse than its own history.
ERROR_RATE_MARGIN = 0.05
LATENCY_RATIO = 1.5
MIN_WINDOW_CALLS = 5
ALERTS_SHOWN = 20


def anomalies(health: ToolHealth) -> list[str]:
    """Return what is off about a tool's recent window against its history (empty: nothing)."""
    found: list[str] = []
    if health.calls < MIN_WINDOW_CALLS:
        return found
    rate, before = health.error_rate or 0.0, health.history_error_rate
    if rate > (before or 0.0) + ERROR_RATE_MARGIN:
        found.append("error rate")
    if (
        health.p95_ms
        and health.history_p95_ms
        and health.p95_ms > LATENCY_RATIO * health.history_p95_ms
    ):
        found.append("p95 latency")
    return found


@dataclass(frozen=True)
class ToolRow:
    """One tool's recent window against its history, and what is off about it."""

    health: ToolHealth
    anomalies: list[str]


@dataclass(frozen=True)
class Overview:
    """Everything the overview shows; the windows end at the newest run (None without runs)."""

    window_end: datetime | None
    days: int
    window_days: int
    stability_histogram: list[Bin]
    unscored_runs: int
    stability_over_time: list[DailyStability]
    alerts: list[Alert]
    tools: list[ToolRow]
    loop_depth_histogram: list[Bin]


def overview_data(session: Session, days: int = 28, window_days: int = 7) -> Overview:
    """Return the overview of the `days` up to the newest run, tools over `window_days`."""
    end = newest_run_at(session)
    bins, unscored = stability_histogram(session)
    daily = stability_over_time(session, end, days) if end else []
    tools = tool_health(session, end, window_days, days) if end else []
    return Overview(
        window_end=end,
        days=days,
        window_days=window_days,
        stability_histogram=bins,
        unscored_runs=unscored,
        stability_over_time=daily,
        alerts=recent_alerts(session, limit=ALERTS_SHOWN),
        tools=[ToolRow(health, anomalies(health)) for health in tools],
        loop_depth_histogram=loop_depth_histogram(session),
    )


def alert_json(alert: Alert) -> dict[str, Any]:
    """Return a drift alert as JSON-ready data."""
    return {
        "id": alert.id,
        "baseline": alert.baseline_name,
        "kind": alert.kind,
        "indicator": alert.indicator,
        "verdict": alert.verdict,
        "workflow_type": alert.workflow_type,
        "created_at": alert.created_at.isoformat(),
        "window_start": alert.window_start.isoformat() if alert.window_start else None,
        "window_end": alert.window_end.isoformat() if alert.window_end else None,
        "details": alert.details,
    }


def _tool_json(row: ToolRow) -> dict[str, Any]:
    health = row.health
    return {
        **asdict(health),
        "error_rate": health.error_rate,
        "history_error_rate": health.history_error_rate,
        "anomalies": row.anomalies,
    }


def overview_json(overview: Overview) -> dict[str, Any]:
    """Return the overview as JSON-ready data (empty lists without runs)."""
    return {
        "window_end": overview.window_end.isoformat() if overview.window_end else None,
        "days": overview.days,
        "window_days": overview.window_days,
        "stability_histogram": [asdict(b) for b in overview.stability_histogram],
        "unscored_runs": overview.unscored_runs,
        "stability_over_time": [asdict(point) for point in overview.stability_over_time],
        "alerts": [alert_json(alert) for alert in overview.alerts],
        "tools": [_tool_json(row) for row in overview.tools],
        "loop_depth_histogram": [asdict(b) for b in overview.loop_depth_histogram],
    }
