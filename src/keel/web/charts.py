"""Plotly figures as plain data (`{"data", "layout"}`), drawn in the browser by static/charts.js."""

from __future__ import annotations

from itertools import pairwise
from typing import Any

Figure = dict[str, Any]


def similarity_heatmap(labels: list[str], matrix: list[list[float | None]]) -> Figure:
    """Return the pairwise answer-similarity heatmap (None cells: a failed generation)."""
    size = len(labels)
    text = [["—" if v is None else f"{v:.2f}" for v in row] for row in matrix]
    trace = {
        "type": "heatmap",
        "x": labels,
        "y": labels,
        "z": matrix,
        "zmin": 0,
        "zmax": 1,
        "colorscale": "Viridis",
        "text": text,
        "texttemplate": "%{text}",
        "hovertemplate": "%{y} vs %{x}: %{z:.3f}<extra></extra>",
        "colorbar": {"title": {"text": "cosine"}},
    }
    layout = {
        "height": max(280, 60 + 44 * size),
        "yaxis": {"autorange": "reversed", "type": "category"},
        "xaxis": {"type": "category", "side": "bottom"},
    }
    return {"data": [trace], "layout": layout}


def histogram(
    edges: list[float], counts: list[int], x_title: str, color: str, dtick: float | None = None
) -> Figure:
    """Return a bar chart of pre-counted bins (`edges` has one more entry than `counts`);
    `color` is a CSS colour or `var(--name)` of keel.css, which static/charts.js resolves so
    the bars follow the light or dark scheme."""
    pairs = list(pairwise(edges))
    trace = {
        "type": "bar",
        "x": [(low + high) / 2 for low, high in pairs],
        "y": counts,
        "width": [high - low for low, high in pairs],
        "marker": {"color": color},
        "hovertemplate": "%{x}: %{y} runs<extra></extra>",
    }
    xaxis: dict[str, Any] = {"title": {"text": x_title}}
    if dtick:
        xaxis["dtick"] = dtick
    layout = {"height": 280, "bargap": 0.05, "xaxis": xaxis, "yaxis": {"title": {"text": "runs"}}}
    return {"data": [trace], "layout": layout}


def lines(series: dict[str, tuple[list[str], list[float | None]]], y_title: str) -> Figure:
    """Return one line per named series of (days, values), broken where a value is None, with
    a legend even for one series (its name says which workflow and model it is)."""
    data = [
        {
            "type": "scatter",
            "mode": "lines+markers",
            "name": name,
            "x": x,
            "y": y,
            "connectgaps": False,
        }
        for name, (x, y) in series.items()
    ]
    layout = {
        "height": 320,
        "showlegend": True,
        "yaxis": {"title": {"text": y_title}, "range": [0, 100]},
        "xaxis": {"type": "date"},
        "legend": {"orientation": "h", "y": -0.2},
    }
    return {"data": data, "layout": layout}


def interval_bars(
    categories: list[str], series: dict[str, list[tuple[float | None, float | None, float | None]]]
) -> Figure:
    """Return grouped bars, one trace per series of (value, low, high) per category, with the
    intervals as error bars (a None value leaves its bar out)."""
    data = []
    for name, points in series.items():
        values = [p[0] for p in points]
        data.append(
            {
                "type": "bar",
                "name": name,
                "x": categories,
                "y": values,
                "error_y": {
                    "type": "data",
                    "symmetric": False,
                    "array": [None if v is None else (h or v) - v for v, _, h in points],
                    "arrayminus": [None if v is None else v - (lo or v) for v, lo, _ in points],
                },
                "hovertemplate": "%{x}: %{y:.3f}<extra>" + name + "</extra>",
            }
        )
    layout = {
        "height": 360,
        "barmode": "group",
        "yaxis": {"title": {"text": "score (1 is best; rates: 0 is best)"}, "range": [0, 1.05]},
        "xaxis": {"tickangle": -35},
        "legend": {"orientation": "h", "y": 1.12},
        "margin": {"b": 120},
    }
    return {"data": data, "layout": layout}
