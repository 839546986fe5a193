"""Compare a window with a baseline: every indicator, adjusted together, and one overall verdict."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any

from keel.drift.indicators import (
    Indicator,
    Thresholds,
    Verdict,
    all_indicators,
    indicator_family,
    judge,
)
from keel.drift.population import Population

_ORDER = [Verdict.OK, Verdict.WARN, Verdict.ALERT]


@dataclass
class DriftReport:
    """The outcome of one drift check."""

    baseline_runs: int
    window_runs: int
    indicators: list[Indicator] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)

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
            "ignored": self.ignored,
        }


def compare(
    base: Population,
    window: Population,
    thresholds: Thresholds | None = None,
    ignore: Collection[str] = (),
) -> DriftReport:
    """Return the drift report of `window` against `base`.

    Indicators named in `ignore` (a name, or a family such as `tool_error_rate`) are left out
    before the p-values are adjusted, as if they had not been computed.
    """
    thresholds = thresholds or Thresholds()
    indicators = [
        ind
        for ind in all_indicators(base, window, thresholds)
        if ind.name not in ignore and indicator_family(ind.name) not in ignore
    ]
    judge(indicators, thresholds)
    return DriftReport(base.n_runs, window.n_runs, indicators, sorted(ignore))
