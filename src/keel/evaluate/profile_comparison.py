"""Two reliability profiles side by side: which metrics differ beyond their intervals.

Two metrics differ when their 95% intervals do not overlap, a conservative test (two intervals
that just touch are read as no difference): a change the profile marks is one a reader can
trust without a second look at the interval widths.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from keel.evaluate.profile import Metric, Profile


@dataclass(frozen=True)
class Difference:
    """One metric of two profiles: both values, the change, and whether it is beyond noise."""

    key: str
    dimension: str
    first: float | None
    second: float | None
    delta: float | None
    beyond_intervals: bool
    verdict: str  # "worse", "better", "same" (within intervals) or "absent"

    def as_dict(self) -> dict[str, Any]:
        """Return the difference as JSON-ready data."""
        return asdict(self)


def _apart(a: Metric, b: Metric) -> bool:
    if None in (a.low, a.high, b.low, b.high):
        return False
    return bool(a.high < b.low or b.high < a.low)  # type: ignore[operator]


def _verdict(a: Metric, b: Metric, apart: bool) -> str:
    if a.value is None or b.value is None:
        return "absent"
    if not apart:
        return "same"
    rose = b.value > a.value
    return "better" if rose == (a.better == "higher") else "worse"


def compare_profiles(first: Profile, second: Profile) -> list[Difference]:
    """Return each metric of `first` against `second` (the second is the one judged)."""
    found = []
    for a in first.metrics:
        b = second.metric(a.key)
        if b is None:
            continue
        apart = _apart(a, b)
        delta = None if a.value is None or b.value is None else round(b.value - a.value, 6)
        found.append(
            Difference(a.key, a.dimension, a.value, b.value, delta, apart, _verdict(a, b, apart))
        )
    return found


def worse(differences: list[Difference], selectors: set[str]) -> list[Difference]:
    """Return the differences judged worse among those `selectors` name (a key, a dimension,
    or "any")."""
    return [
        d
        for d in differences
        if d.verdict == "worse"
        and ("any" in selectors or d.key in selectors or d.dimension in selectors)
    ]
