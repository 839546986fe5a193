"""The dashboard's Jinja2 environment: templates, navigation, and filters for numbers and times."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from fastapi.templating import Jinja2Templates

from keel.core.money import format_usd
from keel.core.version import VERSION
from keel.evaluate.risk import RiskLevel, risk_level

TEMPLATES_DIR = Path(__file__).parent / "templates"
MISSING = "—"


@dataclass(frozen=True)
class NavItem:
    """One entry of the top navigation."""

    key: str
    label: str
    href: str


# One entry per page that exists; Replay Comparison is reached from a run.
NAV = (
    NavItem("runs", "Runs", "/"),
    NavItem("overview", "Overview", "/overview"),
    NavItem("reliability", "Reliability", "/reliability"),
    NavItem("review", "Review", "/review"),
    NavItem("audit", "Audit", "/audit"),
)


def number(value: float | None, digits: int = 0) -> str:
    """Return `value` with thousands separators, or a dash when unknown."""
    return MISSING if value is None else f"{value:,.{digits}f}"


def usd(value: float | None) -> str:
    """Return a cost in dollars: cents above a cent, three significant digits below."""
    return format_usd(value)


def duration(ms: float | None) -> str:
    """Return milliseconds as `850 ms` or `2.4 s`."""
    if ms is None:
        return MISSING
    return f"{ms:,.0f} ms" if ms < 1000 else f"{ms / 1000:,.1f} s"


def when(value: datetime | None) -> str:
    """Return a UTC timestamp to the second."""
    return MISSING if value is None else value.strftime("%Y-%m-%d %H:%M:%S UTC")


# Colours follow the risk levels (keel.evaluate.risk), so a word and its colour never disagree.
_RISK_BANDS = {
    RiskLevel.LOW: "good",
    RiskLevel.MEDIUM: "warn",
    RiskLevel.HIGH: "bad",
    RiskLevel.CRITICAL: "bad",
}


def risk_word(score: float | None) -> str:
    """Return a risk score as its level and number, `high 72`, or a dash when unknown."""
    level = risk_level(score)
    return MISSING if level is None or score is None else f"{level} {score:.0f}"


def band(score: float | None, kind: str = "stability") -> str:
    """Return good/warn/bad for a 0-100 score (stability: high is good; risk: high is bad)."""
    if score is None:
        return "none"
    if kind == "risk":
        return _RISK_BANDS[risk_level(score) or RiskLevel.LOW]
    # 70 is the default UNSTABLE threshold of the stability score (docs/metrics.md).
    return "good" if score >= 85 else "warn" if score >= 70 else "bad"


def pretty_json(value: Any) -> str:
    """Return `value` as indented JSON."""
    return json.dumps(value, indent=2, ensure_ascii=False, default=str)


def make_templates(static_url: Callable[[str], str]) -> Jinja2Templates:
    """Return the dashboard's template renderer with keel's filters and globals; `static_url`
    gives an asset's versioned URL (`static_url("keel.css")`)."""
    templates = Jinja2Templates(directory=TEMPLATES_DIR)
    env = templates.env
    env.filters.update(
        number=number,
        usd=usd,
        duration=duration,
        when=when,
        band=band,
        risk_word=risk_word,
        pretty_json=pretty_json,
    )
    env.globals.update(nav=NAV, version=VERSION, static_url=static_url)
    env.trim_blocks = True
    env.lstrip_blocks = True
    return templates
