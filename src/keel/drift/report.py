"""Compare a window with a baseline: every indicator, adjusted together, and one overall verdict."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from keel.drift.indicators import Indicator, Thresholds, Verdict, all_indicators, judge
from keel.drift.population import Population

_ORDER = [Verdict.OK, Verdict.WARN, Verdict.ALERT]


@dataclass
class DriftReport:
    """The outcome of one drift check."""

    baseline_runs: int
    window_runs: int
    indicators: list[Indicator] = field(default_factory=list)

    @property
    def verdict(self) -> Verdict:
        """Return the worst verdict among the indicators."""
        return max((ind.verdict for ind in self.indicators), key=_ORDER.index, default=Verdict.OK)

    def fails(self, fail_on: Verdict) -> bool:
        """Return whether the report reaches `fail_on` (warn or alert)."""
        return _ORDER.index(self.verdict) >= _ORDER.index(fail_on)

    def as_dict(self) -> dict[str, Any]:
        """Return the report as a JSON-ready dict."""
        return {
            "verdict": str(self.verdict),
            "baseline_runs": self.baseline_runs,
            "window_runs": self.window_runs,
            "indicators": [ind.as_dict() for ind in self.indicators],
        }


def compare(
    base: Population, window: Population, thresholds: Thresholds | None = None
) -> DriftReport:
    """Return the drift report of `window` against `base`."""
    thresholds = thresholds or Thresholds()
    indicators = all_indicators(base, window, thresholds)
    judge(indicators, thresholds)
    return DriftReport(base.n_runs, window.n_runs, indicators)
