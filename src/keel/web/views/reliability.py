"""Reliability (`/reliability`): a workflow's configurations profiled side by side.

The four dimensions (and accuracy where an expected outcome exists), each metric with its 95%
interval and the runs behind it, a bar chart of them and the table; differences beyond the
intervals are marked. The page draws keel.reports.profile, which its twin
`GET /api/v1/reliability` returns as is.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from keel.auth.scopes import Scope
from keel.reports.profile import plugin_expected, reliability_data
from keel.web.charts import Figure, interval_bars
from keel.web.deps import DatabaseDep, SettingsDep, TemplatesDep
from keel.web.queries import ConfigsQuery, WorkflowQuery
from keel.web.security import require

router = APIRouter(include_in_schema=False)


def figure(data: dict[str, Any]) -> Figure:
    """Return the bar chart of every metric some profile measured."""
    profiles = data["profiles"]
    # Every profile lists the same metrics in the same order (keel.evaluate.profile_metrics).
    shown = [
        i
        for i in range(len(profiles[0]["metrics"]) if profiles else 0)
        if any(p["metrics"][i]["value"] is not None for p in profiles)
    ]
    keys = [profiles[0]["metrics"][i]["key"] for i in shown]
    series = {
        p["label"]: [
            (p["metrics"][i]["value"], p["metrics"][i]["low"], p["metrics"][i]["high"])
            for i in shown
        ]
        for p in profiles
    }
    return interval_bars(keys, series)


def _changes(data: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Return, per compared label, each metric's difference from the first profile."""
    return {c["second"]: {d["key"]: d for d in c["differences"]} for c in data["comparisons"]}


@router.get("/reliability", response_class=HTMLResponse, dependencies=[require(Scope.READ)])
def reliability_view(
    request: Request,
    db: DatabaseDep,
    settings: SettingsDep,
    templates: TemplatesDep,
    workflow: str | None = WorkflowQuery,
    config: list[str] | None = ConfigsQuery,
) -> HTMLResponse:
    """Render the reliability profiles of a workflow's configurations."""
    with db.read() as session:
        data = reliability_data(session, plugin_expected(settings), workflow, config)
    context = {
        "active": "reliability",
        "data": data,
        "figure": figure(data),
        "changes": _changes(data),
        "empty": not data["profiles"],
    }
    return templates.TemplateResponse(request, "reliability.html", context)
