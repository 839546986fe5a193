"""A reliability diagram as a self-contained SVG (no plotting dependency needed to write one).

Each non-empty bin is a point at (mean predicted rate, mean observed rate), its area growing with
the bin's task count; the diagonal is perfect calibration. The raw score (score / 100) and the
isotonic transform (fitted on one half, drawn on the other) are two series.
"""

from __future__ import annotations

import math
from typing import Any

SIZE = 360
MARGIN = 48
SERIES = {"raw_score": ("#c0392b", "score / 100"), "isotonic_report_half": ("#2471a3", "isotonic")}


def _xy(rate: float) -> float:
    return MARGIN + rate * (SIZE - 2 * MARGIN)


def _y(rate: float) -> float:
    return SIZE - _xy(rate)


def reliability_svg(bins: dict[str, list[dict[str, Any]]], title: str) -> str:
    """Return the SVG of the reliability diagram of `bins` (bench/validity.py's JSON)."""
    lo, hi = _xy(0.0), _xy(1.0)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{SIZE}" height="{SIZE}" '
        f'font-family="sans-serif" font-size="11">',
        f'<rect width="{SIZE}" height="{SIZE}" fill="white"/>',
        f'<text x="{SIZE / 2}" y="18" text-anchor="middle">{_escape(title)}</text>',
        f'<rect x="{lo}" y="{_y(1.0)}" width="{hi - lo}" height="{hi - lo}" '
        'fill="none" stroke="#999"/>',
        f'<line x1="{lo}" y1="{_y(0.0)}" x2="{hi}" y2="{_y(1.0)}" stroke="#999" '
        'stroke-dasharray="4 3"/>',
    ]
    for tick in (0.0, 0.25, 0.5, 0.75, 1.0):
        parts.append(f'<text x="{_xy(tick)}" y="{_y(0.0) + 14}" text-anchor="middle">{tick}</text>')
        parts.append(f'<text x="{lo - 6}" y="{_y(tick) + 4}" text-anchor="end">{tick}</text>')
    parts.append(
        f'<text x="{SIZE / 2}" y="{SIZE - 8}" text-anchor="middle">predicted agreement rate</text>'
    )
    parts.append(
        f'<text x="12" y="{SIZE / 2}" transform="rotate(-90 12 {SIZE / 2})" '
        'text-anchor="middle">observed agreement rate (reference reruns)</text>'
    )
    for index, (name, (colour, label)) in enumerate(SERIES.items()):
        points = [b for b in bins.get(name, []) if b["count"]]
        path = " ".join(f"{_xy(b['predicted']):.1f},{_y(b['observed']):.1f}" for b in points)
        if points:
            parts.append(f'<polyline points="{path}" fill="none" stroke="{colour}"/>')
        for b in points:
            radius = 2 + 1.5 * math.sqrt(b["count"])
            parts.append(
                f'<circle cx="{_xy(b["predicted"]):.1f}" cy="{_y(b["observed"]):.1f}" '
                f'r="{radius:.1f}" fill="{colour}" fill-opacity="0.5"><title>{label}: '
                f"{b['count']} tickets</title></circle>"
            )
        parts.append(
            f'<text x="{lo + 8}" y="{_y(1.0) + 16 + 14 * index}" fill="{colour}">● {label}</text>'
        )
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
