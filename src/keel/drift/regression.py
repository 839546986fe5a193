"""Regression check: the baseline's items rerun under a new configuration, compared one by one.

An item is what a run is about, named by the input its workflow's output contract calls
`item_key` (a support ticket's id). For each item in both populations it reports a flip of the
decision (the contract's `decision`), a stability drop below the baseline run's own 95%
interval (when both were replayed), and policy rules that fire now but did not before. Pure:
facts in, findings out.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from keel.store.drift import DriftFacts

#: Share of compared items whose decision flips at which the check alerts.
FLIP_ALERT_SHARE = 0.10


@dataclass
class ItemChange:
    """What changed for one item between the baseline run and the new one."""

    item: str
    baseline_run_id: str
    new_run_id: str
    decision: tuple[str | None, str | None] | None = None
    stability: tuple[float, float, float] | None = None  # before, after, interval low
    new_flags: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        """Return True when anything regressed for this item."""
        return bool(self.decision or self.stability or self.new_flags)


@dataclass
class RegressionReport:
    """Item-by-item findings and the verdict."""

    compared: int
    missing: list[str]
    changes: list[ItemChange]

    @property
    def flips(self) -> int:
        """Return how many compared items changed their decision."""
        return sum(1 for change in self.changes if change.decision)

    @property
    def regressed(self) -> bool:
        """Return True when flips reach FLIP_ALERT_SHARE or any stability or flag regression."""
        share = self.flips / self.compared if self.compared else 0.0
        worse = any(change.stability or change.new_flags for change in self.changes)
        return share >= FLIP_ALERT_SHARE or worse

    def as_dict(self) -> dict[str, Any]:
        """Return the report as JSON-ready data."""
        return {
            "compared": self.compared,
            "missing": self.missing,
            "flips": self.flips,
            "regressed": self.regressed,
            "changes": [asdict(change) for change in self.changes if change.changed],
        }


def compare_items(
    baseline: Mapping[str, DriftFacts],
    current: Mapping[str, DriftFacts],
    intervals: Mapping[str, tuple[float, float]],
) -> RegressionReport:
    """Compare runs keyed by item; `intervals` maps baseline run ids to stability CIs."""
    changes, missing = [], []
    for item, before in sorted(baseline.items()):
        after = current.get(item)
        if after is None:
            missing.append(item)
            continue
        change = ItemChange(item, before.run_id, after.run_id)
        if before.decision != after.decision:
            change.decision = (before.decision, after.decision)
        low = intervals.get(before.run_id, (None, None))[0]
        known = low is not None and before.stability is not None and after.stability is not None
        if known and after.stability < low:  # type: ignore[operator]
            change.stability = (before.stability, after.stability, low)  # type: ignore[assignment]
        change.new_flags = sorted(set(after.flag_rules) - set(before.flag_rules))
        changes.append(change)
    return RegressionReport(len(changes), missing, changes)
