"""The Stability Overview's JSON twin (`GET /api/v1/overview`): aggregates over every run."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from fastapi import APIRouter, Query
from sqlalchemy.orm import Session

from keel.auth.scopes import Scope
from keel.store.drift import recent_alerts
from keel.store.models import Alert
from keel.store.overview import (
    ToolHealth,
    loop_depth_histogram,
    newest_run_at,
    stability_histogram,
    stability_over_time,
    tool_health,
)
from keel.web.deps import DatabaseDep
from keel.web.security import require

router = APIRouter(prefix="/api/v1", tags=["overview"])

# A tool is anomalous when its recent window is clearly worse than its own history.
ERROR_RATE_MARGIN = 0.05
LATENCY_RATIO = 1.5
MIN_WINDOW_CALLS = 5


def anomalies(health: ToolHealth) -> list[str]:
    """Return what is off about a tool's recent window against its history (empty: nothing)."""
    found = []
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


def _alert(alert: Alert) -> dict[str, Any]:
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


def overview_data(session: Session, days: int = 28, window_days: int = 7) -> dict[str, Any]:
    """Return everything the overview shows, as JSON-ready data (empty lists without runs)."""
    end = newest_run_at(session)
    bins, unscored = stability_histogram(session)
    daily = stability_over_time(session, end, days) if end else []
    tools = tool_health(session, end, window_days, days) if end else []
    return {
        "window_end": end.isoformat() if end else None,
        "days": days,
        "window_days": window_days,
        "stability_histogram": [asdict(b) for b in bins],
        "unscored_runs": unscored,
        "stability_over_time": [asdict(point) for point in daily],
        "alerts": [_alert(alert) for alert in recent_alerts(session, limit=20)],
        "tools": [
            {
                **asdict(t),
                "error_rate": t.error_rate,
                "history_error_rate": t.history_error_rate,
                "anomalies": anomalies(t),
            }
            for t in tools
        ],
        "loop_depth_histogram": [asdict(b) for b in loop_depth_histogram(session)],
    }


DaysQuery = Query(28, ge=1, le=365, description="Days of history, up to the newest run.")
WindowQuery = Query(7, ge=1, le=90, description="The recent window of the tool anomalies.")


@router.get("/overview", dependencies=[require(Scope.READ)])
def overview_json(
    db: DatabaseDep, days: int = DaysQuery, window_days: int = WindowQuery
) -> dict[str, Any]:
    """Return the Stability Overview's aggregates."""
    with db.read() as session:
        return overview_data(session, days, window_days)
