"""One run against a baseline: where it falls in the baseline's distributions and mixes.

Pure computation on a run's facts and a frozen population (`Baseline.population`): the run's
stability, cost and latency as percentiles of the baseline's values (the share of baseline runs
at or below it), its decision against the baseline's mix of decisions (under the key
`category`, which the page reads; the decision is the output contract's `decision` field), and
its tool calls against the baseline's calls per run, with whether its tool path was ever taken
by the baseline. A run that is one of the baseline's own is compared with the others
(`leave_out`): its own score in the population would place it inside any range.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import Counter
from dataclasses import replace
from typing import Any

from keel.drift.population import Population, path_key
from keel.store.drift import DriftFacts

#: A run below this percentile of the baseline's stability is less stable than most of it.
LOW_PERCENTILE = 10.0


def percentile_of(value: float | None, values: list[float]) -> float | None:
    """Return the share (0-100) of `values` at or below `value`; None when either is missing."""
    if value is None or not values:
        return None
    ordered = sorted(values)
    return 100.0 * bisect_right(ordered, value) / len(ordered)


def _metric(value: float | None, values: list[float]) -> dict[str, Any]:
    ordered = sorted(values)

    def at(q: float) -> float | None:
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else None

    return {
        "value": value,
        "percentile": percentile_of(value, ordered),
        "n": len(ordered),
        "p05": at(0.05),
        "p50": at(0.5),
        "p95": at(0.95),
    }


def _without(values: list[float], value: float | None) -> list[float]:
    rest = list(values)
    if value is not None and value in rest:
        rest.remove(value)
    return rest


def _minus(counts: Counter[str], keys: list[str]) -> Counter[str]:
    rest = Counter(counts)
    rest.subtract(keys)
    return +rest  # drops the keys that reached zero


def leave_out(population: Population, facts: DriftFacts) -> Population:
    """Return `population` without the one run of it that `facts` describe.

    The run's values are removed as the baseline froze them; a value that changed since (a
    run replayed after the freeze) is not found and stays, a difference of one run in n.
    """
    return replace(
        population,
        n_runs=max(population.n_runs - 1, 0),
        categories=_minus(population.categories, [facts.decision] if facts.decision else []),
        stability=_without(population.stability, facts.stability),
        cost_usd=_without(population.cost_usd, facts.cost_usd),
        latency_ms=_without(population.latency_ms, facts.latency_ms),
        paths=_minus(population.paths, [path_key(facts.tool_path)]),
        tool_calls=_minus(population.tool_calls, list(facts.tool_path)),
        tool_errors=_minus(population.tool_errors, list(facts.tool_errors)),
        flagged_runs=max(population.flagged_runs - bool(facts.flag_rules), 0),
    )


def compare_to_baseline(
    facts: DriftFacts, population: Population, *, unstable: bool = False
) -> dict[str, Any]:
    """Return how the run with `facts` compares to the baseline `population` (JSON-ready);
    `unstable`: the run is UNSTABLE, which a note says even when the baseline scores as low."""
    n = max(population.n_runs, 1)
    mix = {name: count / n for name, count in population.categories.most_common()}
    calls = Counter(facts.tool_path)
    tools = sorted(set(calls) | set(population.tool_calls))
    stability = _metric(facts.stability, population.stability)
    share = mix.get(facts.decision or "", 0.0)
    path_runs = population.paths.get(path_key(facts.tool_path), 0)
    notes = []
    if stability["percentile"] is not None and stability["percentile"] < LOW_PERCENTILE:
        notes.append(f"stability below the baseline's {LOW_PERCENTILE:.0f}th percentile")
    elif unstable and facts.stability is not None:
        notes.append(
            f"UNSTABLE: its replays disagree (stability {facts.stability:.1f}), though "
            f"{stability['percentile']:.0f}% of the baseline's replayed runs score as low or lower"
            if stability["percentile"] is not None
            else f"UNSTABLE: its replays disagree (stability {facts.stability:.1f})"
        )
    if facts.decision and share == 0.0:
        notes.append(f"decision {facts.decision} never occurs in the baseline")
    if path_runs == 0:
        notes.append("a tool path the baseline never took")
    return {
        "stability": stability,
        "cost_usd": _metric(facts.cost_usd, population.cost_usd),
        "latency_ms": _metric(facts.latency_ms, population.latency_ms),
        "category": {"value": facts.decision, "baseline_share": share, "mix": mix},
        "tools": [
            {
                "tool": tool,
                "calls": calls.get(tool, 0),
                "baseline_per_run": population.tool_calls.get(tool, 0) / n,
            }
            for tool in tools
        ],
        "path": {"tools": facts.tool_path, "baseline_share": path_runs / n},
        "notes": notes,
    }
