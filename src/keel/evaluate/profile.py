"""The reliability profile of a population of runs: consistency, robustness, predictability, safety.

After Rabanser et al., "Towards a Science of AI Agent Reliability" (arXiv 2602.16666), adapted to
what keel records, with Raj et al.'s U-statistic for output agreement (arXiv 2605.10516). Pure:
the caller reads runs and their replays from the store into `ProfileRun`s. An *item* is one
input (a ticket): its base runs and their replays. Every metric comes with a 95% cluster
bootstrap interval over items and the number of runs and items behind it; a metric that needs
an expected outcome, a rerun or a replay the population lacks is absent (value None, `missing`
says why), never guessed. Definitions: docs/metrics.md, "Reliability profile".
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from keel.core.severity import Severity, most_severe
from keel.evaluate.bootstrap import resampled_sums
from keel.evaluate.profile_metrics import BASE, Flag, Item, MetricSpec, ProfileRun, metric_specs

__all__ = ["Flag", "Metric", "Profile", "ProfileRun", "WorstCase", "group_items", "profile"]

#: How many of the runs behind a metric it names, for a reader to open (the count is all of them).
DRILL_RUN_IDS = 100


@dataclass(frozen=True)
class Metric:
    """One measured metric: value, 95% interval, and the runs and items behind it."""

    key: str
    dimension: str
    value: float | None
    low: float | None
    high: float | None
    runs: int
    items: int
    better: str
    source: str
    missing: str | None = None
    run_ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class WorstCase:
    """The most severe flag seen in the population."""

    severity: str
    rule_id: str
    run_id: str


@dataclass
class Profile:
    """The profile of one population."""

    label: str
    runs: int
    items: int
    metrics: list[Metric] = field(default_factory=list)
    severities: dict[str, int] = field(default_factory=dict)
    worst: WorstCase | None = None

    def metric(self, key: str) -> Metric | None:
        """Return the metric called `key`, or None."""
        return next((m for m in self.metrics if m.key == key), None)

    def as_dict(self) -> dict[str, Any]:
        """Return the profile as JSON-ready data."""
        data = asdict(self)
        for metric in data["metrics"]:
            metric["run_ids"] = list(metric["run_ids"])
        return data


def group_items(runs: Sequence[ProfileRun]) -> list[Item]:
    """Return the runs grouped by item, items sorted by key (so run order never matters)."""
    grouped: dict[str, list[ProfileRun]] = {}
    for run in runs:
        grouped.setdefault(run.item, []).append(run)
    return [
        Item(key, tuple(sorted(grouped[key], key=lambda r: r.run_id))) for key in sorted(grouped)
    ]


def _finite(value: float) -> float | None:
    return None if math.isnan(value) else round(float(value), 6)


def _measure(
    spec: MetricSpec, items: list[Item], samples: int, seed: int, confidence: float
) -> Metric:
    rows: list[list[float]] = []
    runs = 0
    run_ids: list[str] = []
    for item in items:
        found = spec.per_item(item)
        if found is not None:
            rows.append(found[0])
            runs += found[1]
            run_ids.extend(r.run_id for r in item.of(BASE))
    stats = np.asarray(rows, dtype=float).reshape(len(rows), spec.width)
    value = _finite(float(spec.formula(stats.sum(axis=0)))) if rows else None
    if value is None:
        return Metric(
            spec.key,
            spec.dimension,
            None,
            None,
            None,
            runs,
            len(rows),
            spec.better,
            spec.source,
            spec.missing,
        )
    boots = spec.formula(resampled_sums(stats, samples, seed))
    boots = boots[~np.isnan(boots)]
    tail = (1.0 - confidence) / 2.0 * 100.0
    low, high = np.percentile(boots, [tail, 100.0 - tail]) if boots.size else (value, value)
    return Metric(
        spec.key,
        spec.dimension,
        value,
        _finite(low),
        _finite(high),
        runs,
        len(rows),
        spec.better,
        spec.source,
        None,
        tuple(sorted(run_ids)[:DRILL_RUN_IDS]),
    )


def _worst(runs: Sequence[ProfileRun]) -> WorstCase | None:
    found = [
        (Severity(f.severity).rank, f.rule_id, r.run_id, f.severity)
        for r in runs
        for f in r.flags
        if f.severity in Severity._value2member_map_
    ]
    if not found:
        return None
    _rank, rule, run_id, severity = max(found, key=lambda x: (x[0], x[1], x[2]))
    return WorstCase(severity, rule, run_id)


def profile(
    runs: Sequence[ProfileRun],
    label: str = "",
    samples: int = 500,
    seed: int = 0,
    confidence: float = 0.95,
    k: int = 3,
) -> Profile:
    """Return the reliability profile of `runs` (base runs and their replays)."""
    items = group_items(runs)
    bases = [r for item in items for r in item.of(BASE)]
    worst_per_run = [most_severe(f.severity for f in r.flags) for r in bases]
    severities = {str(level): sum(w == level for w in worst_per_run) for level in Severity}
    severities["none"] = sum(w is None for w in worst_per_run)
    return Profile(
        label=label,
        runs=len(runs),
        items=len(items),
        metrics=[_measure(spec, items, samples, seed, confidence) for spec in metric_specs(k)],
        severities=severities,
        worst=_worst(bases),
    )
