"""A chart's text alternative: the data of a Plotly figure (keel.web.charts) as one table.

Built from the very figure the browser draws, so the table and the chart cannot disagree, and
it is there without JavaScript, for a screen reader, and for anyone who wants the numbers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from keel.web.charts import Figure

MISSING = "—"


@dataclass(frozen=True)
class ChartTable:
    """A header row (the first cell names the row labels) and the rows under it, as text."""

    header: list[str]
    rows: list[list[str]]


def chart_table(figure: Figure) -> ChartTable:
    """Return the figure's data as a table: a heatmap's matrix, or one column per trace."""
    traces: list[dict[str, Any]] = figure.get("data") or []
    if traces and traces[0].get("type") == "heatmap":
        return _matrix(traces[0])
    return _series(traces, figure.get("layout") or {})


def _matrix(trace: dict[str, Any]) -> ChartTable:
    """Return a heatmap as its matrix: one row per y label, one column per x label."""
    rows = [
        [str(label), *(_value(value) for value in values)]
        for label, values in zip(trace.get("y") or [], trace.get("z") or [], strict=False)
    ]
    return ChartTable(["vs", *(str(label) for label in trace.get("x") or [])], rows)


def _series(traces: list[dict[str, Any]], layout: dict[str, Any]) -> ChartTable:
    """Return bars and lines as one row per x value, in the order the chart first shows them."""
    y_title = _title(layout.get("yaxis")) or "value"
    cells: dict[str, dict[int, str]] = {}
    for column, trace in enumerate(traces):
        points = zip(trace.get("x") or [], trace.get("y") or [], strict=False)
        for index, (x, y) in enumerate(points):
            label = _x_label(x, _at(trace.get("width"), index))
            cells.setdefault(label, {})[column] = _value(y) + _interval(trace, index, y)
    header = [_title(layout.get("xaxis")) or "x", *(t.get("name") or y_title for t in traces)]
    columns = range(len(traces))
    rows = [[label, *(row.get(c, MISSING) for c in columns)] for label, row in cells.items()]
    return ChartTable(header, rows)


def _title(axis: dict[str, Any] | None) -> str:
    """Return an axis title, given as text or as `{"text": ...}`."""
    title = (axis or {}).get("title")
    return str(title.get("text") or "") if isinstance(title, dict) else str(title or "")


def _at(values: Any, index: int) -> Any:
    """Return `values[index]` of a per-point list, or None when it is not one."""
    return values[index] if isinstance(values, list) and index < len(values) else None


def _x_label(x: Any, width: float | None) -> str:
    """Return an x value; a bar with a width is its bin (`40–50`), or its integer when the bin
    is one unit wide around one (a loop depth of 2 is drawn from 1.5 to 2.5)."""
    if width is None or not isinstance(x, int | float):
        return str(x)
    if width == 1 and float(x).is_integer():
        return str(int(x))
    return f"{_number(x - width / 2)}–{_number(x + width / 2)}"


def _interval(trace: dict[str, Any], index: int, y: Any) -> str:
    """Return ` [low–high]` from the trace's asymmetric error bars, or nothing without them."""
    error = trace.get("error_y") or {}
    plus, minus = _at(error.get("array"), index), _at(error.get("arrayminus"), index)
    if not isinstance(y, int | float) or plus is None or minus is None:
        return ""
    return f" [{_number(y - minus)}–{_number(y + plus)}]"


def _value(value: Any) -> str:
    """Return a cell: a dash for no value, a number to four significant digits."""
    if value is None:
        return MISSING
    return _number(value) if isinstance(value, int | float) else str(value)


def _number(value: float) -> str:
    """Return an integer as is and any other number to four significant digits."""
    return str(value) if isinstance(value, int) else f"{value:.4g}"
