"""One drift or regression alert (`/alerts/{id}`, `GET /api/v1/alerts/{id}`).

What a platform engineer asks of an alert: which quantity moved, from what to what, how large
and how sure (effect size, p-value after Benjamini–Hochberg), which configurations ran in the
window, which runs are behind it, and for a regression the item-by-item flips; with the command
that reproduces it.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from sqlalchemy.orm import Session

from keel.core.errors import NotFound
from keel.reports.overview import alert_json
from keel.store.drift import ConfigSpan, config_spans, get_alert
from keel.store.models import Alert

#: The test's own figures, in the order the page lists them.
FIGURES = (
    "test",
    "statistic",
    "p_value",
    "p_adjusted",
    "effect_name",
    "effect_size",
    "warn_at",
    "alert_at",
)


@dataclass(frozen=True)
class AlertDetail:
    """An alert and what its page shows beside it."""

    alert: Alert
    configs: list[ConfigSpan]


def alert_detail(session: Session, alert_id: int) -> AlertDetail:
    """Return alert `alert_id` with the configurations that ran in its window."""
    alert = get_alert(session, alert_id)
    if alert is None:
        raise NotFound(f"no alert {alert_id}", field="alert_id")
    configs = (
        config_spans(session, alert.workflow_type, alert.window_start, alert.window_end)
        if alert.workflow_type
        else []
    )
    return AlertDetail(alert, configs)


def compared_values(details: dict[str, Any]) -> list[dict[str, Any]]:
    """Return the baseline and window value of each quantity the indicator's details pair up
    (`baseline_X` with `window_X`), and of each category of a mix (counts and shares)."""
    rows = []
    for key, value in details.items():
        name = key.removeprefix("baseline_")
        if name != key and f"window_{name}" in details:
            rows.append({"name": name, "baseline": value, "window": details[f"window_{name}"]})
    base, window = details.get("baseline"), details.get("window")
    if isinstance(base, dict) and isinstance(window, dict):
        base_total, window_total = sum(base.values()) or 1, sum(window.values()) or 1
        for label in sorted(set(base) | set(window)):
            rows.append(
                {
                    "name": f"share {label}",
                    "baseline": base.get(label, 0) / base_total,
                    "window": window.get(label, 0) / window_total,
                }
            )
    return rows


def _moment(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def runs_url(alert: Alert, config: str | None = None) -> str:
    """Return the Runs page listing the window's original runs of the alert's workflow (of one
    configuration, when given)."""
    query = {
        "workflow_type": alert.workflow_type,
        "since": _moment(alert.window_start),
        "until": _moment(alert.window_end),
        "config": config,
    }
    return "/?" + urlencode({k: v for k, v in query.items() if v})


def reproduce(alert: Alert) -> str:
    """Return the keel command that checks the same baseline and window again."""
    if alert.kind == "regression":
        command = ["keel", "drift", "regress", "--baseline", alert.baseline_name]
        for option in ("config", "model"):
            if alert.details.get(option):
                command += [f"--{option}", str(alert.details[option])]
        return shlex.join(command)
    command = ["keel", "drift", "check", "--baseline", alert.baseline_name]
    for option, moment in (("--since", alert.window_start), ("--until", alert.window_end)):
        if moment is not None:
            command += [option, moment.isoformat()]
    return shlex.join(command)


def alert_detail_json(detail: AlertDetail) -> dict[str, Any]:
    """Return the alert page's data as JSON-ready data."""
    alert, details = detail.alert, detail.alert.details or {}
    out: dict[str, Any] = {
        "alert": alert_json(alert),
        "configs": [
            {"config": c.config, "runs": c.runs, "runs_url": runs_url(alert, c.config)}
            for c in detail.configs
        ],
        "runs_url": runs_url(alert),
        "command": reproduce(alert),
    }
    if alert.kind == "regression":
        out["regression"] = {
            "compared": details.get("compared"),
            "missing": len(details.get("missing") or []),
            "flips": details.get("flips"),
            "changes": details.get("changes") or [],
        }
    else:
        out["figures"] = {name: details.get(name) for name in FIGURES}
        out["compared"] = compared_values(details.get("details") or {})
        out["tools"] = {
            key: (details.get("details") or {}).get(key) or []
            for key in ("new_tools", "vanished_tools")
        }
    return out
