"""Two reliability profiles side by side: which metrics differ beyond their intervals.

Two populations that ran the same items (tickets) are compared *paired*: items are resampled
jointly, so the interval is the one of the difference itself, and a metric differs when that
interval excludes 0. Without a common item, two metrics differ when their own 95% intervals do
not overlap (a conservative test).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from keel.core.severity import Severity
from keel.evaluate.bootstrap import resampled_sums
from keel.evaluate.profile import Metric, Profile, ProfileRun, group_items
from keel.evaluate.profile_metrics import MetricSpec, metric_specs


@dataclass(frozen=True)
class Difference:
    """One metric of two profiles: both values, the change and its interval, and the verdict."""

    key: str
    dimension: str
    first: float | None
    second: float | None
    delta: float | None
    delta_low: float | None
    delta_high: float | None
    beyond_intervals: bool
    verdict: str  # "worse", "better", "same" (within the intervals) or "absent"
    paired_items: int = 0

    def as_dict(self) -> dict[str, Any]:
        """Return the difference as JSON-ready data."""
        return asdict(self)


def _verdict(better: str, delta: float | None, beyond: bool) -> str:
    if delta is None:
        return "absent"
    if not beyond:
        return "same"
    return "better" if (delta > 0) == (better == "higher") else "worse"


def _round(value: float | None) -> float | None:
    return None if value is None or np.isnan(value) else round(float(value), 6)


def compare_profiles(first: Profile, second: Profile) -> list[Difference]:
    """Return each metric of `first` against `second` by whether their intervals overlap."""
    found = []
    for a in first.metrics:
        b = second.metric(a.key)
        if b is None:
            continue
        delta = None if a.value is None or b.value is None else round(b.value - a.value, 6)
        apart = delta is not None and _apart(a, b)
        verdict = _verdict(a.better, delta, apart)
        found.append(
            Difference(a.key, a.dimension, a.value, b.value, delta, None, None, apart, verdict)
        )
    return found


def _apart(a: Metric, b: Metric) -> bool:
    if None in (a.low, a.high, b.low, b.high):
        return False
    return bool(a.high < b.low or b.high < a.low)  # type: ignore[operator]


def _stats(spec: MetricSpec, items: dict[str, Any], keys: list[str]) -> np.ndarray:
    rows = []
    for key in keys:
        found = spec.per_item(items[key])
        # An item a metric does not read adds zeros: every formula is one of column sums.
        rows.append(found[0] if found is not None else [0.0] * spec.width)
    return np.asarray(rows, dtype=float).reshape(len(keys), spec.width)


def paired_differences(
    first: Sequence[ProfileRun],
    second: Sequence[ProfileRun],
    samples: int = 500,
    seed: int = 0,
    confidence: float = 0.95,
    k: int = 3,
) -> list[Difference]:
    """Return each metric of `second` minus `first` over their common items, paired."""
    items_a = {item.key: item for item in group_items(first)}
    items_b = {item.key: item for item in group_items(second)}
    common = sorted(items_a.keys() & items_b.keys())
    tail = (1.0 - confidence) / 2.0 * 100.0
    found = []
    for spec in metric_specs(k):
        a, b = _stats(spec, items_a, common), _stats(spec, items_b, common)
        va, vb = (_round(float(spec.formula(x.sum(axis=0)))) if common else None for x in (a, b))
        delta = None if va is None or vb is None else round(vb - va, 6)
        low = high = None
        if delta is not None:
            sums = resampled_sums(np.hstack([a, b]), samples, seed)
            deltas = spec.formula(sums[:, spec.width :]) - spec.formula(sums[:, : spec.width])
            deltas = deltas[~np.isnan(deltas)]
            if deltas.size:
                low, high = (_round(x) for x in np.percentile(deltas, [tail, 100.0 - tail]))
        beyond = low is not None and high is not None and (low > 0 or high < 0)
        verdict = _verdict(spec.better, delta, beyond)
        found.append(
            Difference(
                spec.key, spec.dimension, va, vb, delta, low, high, beyond, verdict, len(common)
            )
        )
    return found


def worst_case_change(first: Profile, second: Profile) -> dict[str, Any]:
    """Return the worst flag severity of each profile, and whether the second's is higher.

    One run decides a worst case, so this is read as it is, with no interval.
    """
    ranks = [Severity(p.worst.severity).rank if p.worst else -1 for p in (first, second)]
    verdict = "worse" if ranks[1] > ranks[0] else "better" if ranks[1] < ranks[0] else "same"
    return {
        "first": first.worst.severity if first.worst else None,
        "second": second.worst.severity if second.worst else None,
        "second_rule": second.worst.rule_id if second.worst else None,
        "second_run": second.worst.run_id if second.worst else None,
        "verdict": verdict,
    }


def worse(differences: list[Difference], selectors: set[str]) -> list[Difference]:
    """Return the differences judged worse among those `selectors` name (a metric key, a
    dimension, or "any")."""
    return [
        d
        for d in differences
        if d.verdict == "worse"
        and ("any" in selectors or d.key in selectors or d.dimension in selectors)
    ]
