"""Drift indicators of a window against a baseline: statistic, p-value, effect, verdict.

A verdict needs both evidence and size: the Benjamini–Hochberg adjusted p-value below `alpha`
AND the effect beyond its threshold. Large samples make tiny, harmless differences significant,
so the effect threshold is what keeps an alert meaningful; for category mixes above
`large_sample` runs the p-value is not consulted at all and the Jensen–Shannon distance decides.
"""

from __future__ import annotations

import enum
from dataclasses import asdict, dataclass, field
from statistics import median
from typing import Any

from keel.drift import statistics as st
from keel.drift.population import Population

#: Every indicator's name is one of these, or `tool_error_rate:<tool>`. `category_mix` is the
#: mix of the workflow's decision values (its output contract's `decision`), named as stored
#: alerts and `--ignore` flags already name it.
INDICATOR_FAMILIES = (
    "category_mix",
    "tool_paths",
    "stability",
    "cost_usd",
    "latency_ms",
    "answer_embeddings",
    "flag_rate",
    "tool_error_rate",
)


def indicator_family(name: str) -> str:
    """Return the family of indicator `name` (`tool_error_rate:db.query` -> `tool_error_rate`)."""
    return name.split(":", 1)[0]


class Verdict(enum.StrEnum):
    OK = "ok"
    WARN = "warn"
    ALERT = "alert"


@dataclass(frozen=True)
class Thresholds:
    """Effect sizes at which a significant difference becomes a warning or an alert."""

    alpha: float = 0.05
    large_sample: int = 2000
    js_warn: float = 0.05
    js_alert: float = 0.10
    rank_biserial_warn: float = 0.147  # Romano et al. (2006): small |delta|
    rank_biserial_alert: float = 0.33  # medium
    ks_warn: float = 0.15
    ks_alert: float = 0.25
    cohens_h_warn: float = 0.2  # Cohen (1988): small
    cohens_h_alert: float = 0.5  # medium
    mmd2_warn: float = 0.005
    mmd2_alert: float = 0.02
    min_runs: int = 10


@dataclass
class Indicator:
    """One compared quantity; `p_adjusted` is filled in across indicators (Benjamini–Hochberg)."""

    name: str
    test: str
    statistic: float
    p_value: float | None
    effect_size: float
    effect_name: str
    warn_at: float
    alert_at: float
    p_adjusted: float | None = None
    verdict: Verdict = Verdict.OK
    details: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        """Return the indicator as a JSON-ready dict."""
        return {**asdict(self), "verdict": str(self.verdict)}


def _indicator(name: str, result: st.TestResult, test: str, warn: float, alert: float) -> Indicator:
    return Indicator(
        name,
        test,
        result.statistic,
        result.p_value,
        result.effect_size,
        result.effect_name,
        warn,
        alert,
    )


def category_mix(base: Population, window: Population, t: Thresholds) -> Indicator:
    """Decision mix: chi-square p-value, Jensen–Shannon distance as effect, PSI as guidance."""
    result = st.chi_square(base.categories, window.categories)
    distance = st.js_distance(base.categories, window.categories)
    large = base.n_runs + window.n_runs >= t.large_sample
    indicator = Indicator(
        "category_mix",
        "jensen_shannon" if large else "chi_square",
        result.statistic,
        None if large else result.p_value,
        distance,
        "js_distance",
        t.js_warn,
        t.js_alert,
    )
    indicator.details = {
        "psi": st.psi(base.categories, window.categories),
        "psi_bands": "<0.1 stable, 0.1-0.25 moderate, >0.25 major (guidance)",
        "baseline": dict(base.categories),
        "window": dict(window.categories),
        "baseline_n": base.n_runs,
        "window_n": window.n_runs,
    }
    return indicator


def tool_paths(base: Population, window: Population, t: Thresholds) -> Indicator:
    """Tool-path frequencies, with tools that appeared or vanished listed."""
    result = st.chi_square(base.paths, window.paths)
    distance = st.js_distance(base.paths, window.paths)
    large = base.n_runs + window.n_runs >= t.large_sample
    indicator = Indicator(
        "tool_paths",
        "jensen_shannon" if large else "chi_square",
        result.statistic,
        None if large else result.p_value,
        distance,
        "js_distance",
        t.js_warn,
        t.js_alert,
    )
    indicator.details = {
        "new_tools": sorted(set(window.tool_calls) - set(base.tool_calls)),
        "vanished_tools": sorted(set(base.tool_calls) - set(window.tool_calls)),
        "baseline_n": base.n_runs,
        "window_n": window.n_runs,
    }
    return indicator


def numeric(name: str, base: list[float], window: list[float], t: Thresholds) -> Indicator:
    """A numeric distribution: Mann–Whitney for stability, Kolmogorov–Smirnov otherwise."""
    if name == "stability":
        result = st.mann_whitney(base, window)
        indicator = _indicator(
            name, result, "mann_whitney", t.rank_biserial_warn, t.rank_biserial_alert
        )
    else:
        indicator = _indicator(
            name, st.ks(base, window), "kolmogorov_smirnov", t.ks_warn, t.ks_alert
        )
    # what a reader compares first: the two medians and how many runs each has
    indicator.details = {
        "baseline_median": median(base),
        "window_median": median(window),
        "baseline_n": len(base),
        "window_n": len(window),
    }
    return indicator


def proportion(
    name: str, base: tuple[int, int], window: tuple[int, int], t: Thresholds
) -> Indicator:
    """A rate (hits, n) such as a tool's error rate or the share of flagged runs."""
    result = st.two_proportions(base[0], base[1], window[0], window[1])
    indicator = _indicator(name, result, "two_proportion_z", t.cohens_h_warn, t.cohens_h_alert)
    indicator.details = {
        "baseline_rate": _rate(*base),
        "window_rate": _rate(*window),
        "baseline_n": base[1],
        "window_n": window[1],
    }
    return indicator


def _rate(hits: int, n: int) -> float | None:
    return hits / n if n else None


def answer_embeddings(base: Population, window: Population, t: Thresholds) -> Indicator:
    """Answer content: kernel MMD² between answer embeddings, permutation p-value."""
    result = st.mmd_permutation(base.embedding_matrix(), window.embedding_matrix())
    return _indicator("answer_embeddings", result, "mmd_permutation", t.mmd2_warn, t.mmd2_alert)


def all_indicators(base: Population, window: Population, t: Thresholds) -> list[Indicator]:
    """Return every indicator that both populations have data for, verdicts not yet set."""
    indicators = [category_mix(base, window, t), tool_paths(base, window, t)]
    for name in ("stability", "cost_usd", "latency_ms"):
        ours, theirs = getattr(base, name), getattr(window, name)
        if len(ours) >= t.min_runs and len(theirs) >= t.min_runs:
            indicators.append(numeric(name, ours, theirs, t))
    if len(base.embeddings) >= t.min_runs and len(window.embeddings) >= t.min_runs:
        indicators.append(answer_embeddings(base, window, t))
    indicators.append(
        proportion(
            "flag_rate", (base.flagged_runs, base.n_runs), (window.flagged_runs, window.n_runs), t
        )
    )
    for tool in sorted(set(base.tool_calls) & set(window.tool_calls)):
        indicators.append(
            proportion(
                f"tool_error_rate:{tool}",
                (base.tool_errors[tool], base.tool_calls[tool]),
                (window.tool_errors[tool], window.tool_calls[tool]),
                t,
            )
        )
    return indicators


def judge(indicators: list[Indicator], t: Thresholds) -> None:
    """Adjust p-values across `indicators` (Benjamini–Hochberg) and set each verdict."""
    tested = [ind for ind in indicators if ind.p_value is not None]
    for ind, adjusted in zip(
        tested, st.benjamini_hochberg([i.p_value or 1.0 for i in tested]), strict=True
    ):
        ind.p_adjusted = adjusted
    for ind in indicators:
        significant = ind.p_adjusted is None or ind.p_adjusted < t.alpha
        size = abs(ind.effect_size)
        if significant and size >= ind.alert_at:
            ind.verdict = Verdict.ALERT
        elif significant and size >= ind.warn_at:
            ind.verdict = Verdict.WARN
        if ind.name == "tool_paths" and ind.details.get("new_tools") and ind.verdict == Verdict.OK:
            ind.verdict = Verdict.WARN
