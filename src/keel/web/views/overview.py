"""Page D, Stability Overview (`/overview`): distribution, trend, drift, tools, loop depth.

The page draws keel.reports.overview, which its JSON twin (`GET /api/v1/overview`) returns as is:
every number comes from a GROUP BY, the page never loads runs one by one.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from keel.auth.scopes import Scope
from keel.reports.overview import Overview, overview_data, overview_json
from keel.store.overview import DailyStability
from keel.web.charts import Figure, histogram, lines
from keel.web.deps import DatabaseDep, TemplatesDep
from keel.web.queries import DaysQuery, WindowQuery
from keel.web.security import require

router = APIRouter(include_in_schema=False)


def _series(daily: list[DailyStability]) -> dict[str, tuple[list[str], list[float | None]]]:
    """Return per workflow and model its daily means over every day of the chart, None on a
    day without runs: Plotly breaks the line there instead of joining days across the gap."""
    days = sorted({point.day for point in daily})
    means: dict[str, dict[str, float]] = {}
    for point in daily:
        name = f"{point.workflow_type} · {point.model or '—'}"
        means.setdefault(name, {})[point.day] = round(point.mean, 2)
    return {name: (days, [by_day.get(day) for day in days]) for name, by_day in means.items()}


def figures(overview: Overview) -> dict[str, Figure]:
    """Return the page's Plotly figures built from the overview."""
    stability = overview.stability_histogram
    depth = overview.loop_depth_histogram
    return {
        "stability": histogram(
            [b.low for b in stability] + [stability[-1].high],
            [b.count for b in stability],
            "stability",
            "var(--chart-1)",
        ),
        "loop_depth": histogram(
            [b.low - 0.5 for b in depth] + [depth[-1].high - 0.5] if depth else [],
            [b.count for b in depth],
            "loop depth",
            "var(--chart-2)",
            dtick=1,
        ),
        "over_time": lines(_series(overview.stability_over_time), "mean stability"),
    }


@router.get("/overview", response_class=HTMLResponse, dependencies=[require(Scope.READ)])
def overview_view(
    request: Request,
    db: DatabaseDep,
    templates: TemplatesDep,
    days: int = DaysQuery,
    window_days: int = WindowQuery,
) -> HTMLResponse:
    """Render the Stability Overview."""
    with db.read() as session:
        overview = overview_data(session, days, window_days)
    empty = overview.window_end is None
    context = {
        "active": "overview",
        "data": overview_json(overview),
        "empty": empty,
        "figures": None if empty else figures(overview),
    }
    return templates.TemplateResponse(request, "overview.html", context)
