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

from keel.core.collector import paused_collection
from keel.core.severity import Severity, most_severe
from keel.evaluate.bootstrap import resampled_sums
from keel.evaluate.profile_metrics import BASE, Flag, Item, MetricSpec, ProfileRun, metric_specs
from keel.evaluate.profile_singles import UNKNOWN, SingleRuns, empty_singles

__all__ = [
    "Flag",
    "Metric",
    "Profile",
    "ProfileRun",
    "SingleRuns",
    "WorstCase",
    "as_runs",
    "group_items",
    "profile",
]

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


@dataclass(frozen=True)
class _Layout:
    """Where each item stands in item-key order: the multi-run items', then the single runs'."""

    items: list[Item]
    alone: SingleRuns
    multi: np.ndarray
    single: np.ndarray
    #: Item order of the rows a metric keeps, by (multi-run items kept, single runs kept).
    orders: dict[tuple[tuple[int, ...], bytes], np.ndarray] = field(default_factory=dict)

    @classmethod
    def of(cls, items: list[Item], alone: SingleRuns) -> _Layout:
        keys = [item.key for item in items] + alone.item
        if len(set(keys)) != len(keys):
            raise ValueError("a single run's item is another run's item too")
        rank = np.empty(len(keys), dtype=np.int64)
        rank[sorted(range(len(keys)), key=keys.__getitem__)] = np.arange(len(keys))
        return cls(items, alone, rank[: len(items)], rank[len(items) :])


@dataclass(frozen=True)
class _Gathered:
    """One metric's statistics rows in item order, the runs behind them, the first run ids."""

    stats: np.ndarray
    runs: int
    run_ids: tuple[str, ...]
    boots: dict[tuple[int, int], np.ndarray] = field(default_factory=dict)


def _gather(spec: MetricSpec, layout: _Layout) -> _Gathered:
    found = [spec.per_item(item) for item in layout.items]
    chosen = [i for i, f in enumerate(found) if f is not None]
    mask, single_rows = spec.per_single(layout.alone)
    multi_rows = np.asarray([found[i][0] for i in chosen], dtype=float)  # type: ignore[index]
    rows = np.concatenate(
        [multi_rows.reshape(len(chosen), spec.width), single_rows.reshape(-1, spec.width)]
    )
    # Most metrics keep the same items (all, or those with an expected outcome): sorted once.
    key = (tuple(chosen), mask.tobytes())
    order = layout.orders.get(key)
    if order is None:
        positions = np.concatenate([layout.multi[chosen], layout.single[mask]])
        order = layout.orders[key] = np.argsort(positions, kind="stable")
    runs = sum(found[i][1] for i in chosen) + int(mask.sum())  # type: ignore[index]
    singles = np.flatnonzero(mask)
    run_ids: list[str] = []
    for index in order:  # the first items', in item order
        if len(run_ids) >= DRILL_RUN_IDS:
            break
        if index < len(chosen):
            run_ids.extend(r.run_id for r in layout.items[chosen[index]].of(BASE))
        else:
            run_ids.append(layout.alone.run_id[singles[index - len(chosen)]])
    return _Gathered(rows[order], runs, tuple(run_ids[:DRILL_RUN_IDS]))


def _measure(
    spec: MetricSpec,
    layout: _Layout,
    samples: int,
    seed: int,
    confidence: float,
    read: dict[Any, _Gathered],
) -> Metric:
    # Several metrics read the same per-item statistics (calibration, discrimination, Brier),
    # and so the same resampled sums.
    key = (spec.per_item, spec.per_single)
    if key not in read:
        read[key] = _gather(spec, layout)
    gathered = read[key]
    stats = gathered.stats
    value = _finite(float(spec.formula(stats.sum(axis=0)))) if len(stats) else None
    if value is None:
        return Metric(
            spec.key,
            spec.dimension,
            None,
            None,
            None,
            gathered.runs,
            len(stats),
            spec.better,
            spec.source,
            spec.missing,
        )
    if (samples, seed) not in gathered.boots:
        gathered.boots[samples, seed] = resampled_sums(stats, samples, seed)
    boots = spec.formula(gathered.boots[samples, seed])
    boots = boots[~np.isnan(boots)]
    tail = (1.0 - confidence) / 2.0 * 100.0
    low, high = np.percentile(boots, [tail, 100.0 - tail]) if boots.size else (value, value)
    return Metric(
        spec.key,
        spec.dimension,
        value,
        _finite(low),
        _finite(high),
        gathered.runs,
        len(stats),
        spec.better,
        spec.source,
        None,
        gathered.run_ids,
    )


#: Severity rank by name.
_RANKS = {level.value: level.rank for level in Severity}


def _worst(runs: Sequence[ProfileRun], alone: SingleRuns) -> WorstCase | None:
    flagged = [(r.run_id, r.flags) for r in runs]
    flagged += [(alone.run_id[i], flags) for i, flags in alone.flags.items()]
    found = [
        (_RANKS[f.severity], f.rule_id, run_id, f.severity)
        for run_id, flags in flagged
        for f in flags
        if f.severity in _RANKS
    ]
    if not found:
        return None
    _rank, rule, run_id, severity = max(found, key=lambda x: (x[0], x[1], x[2]))
    return WorstCase(severity, rule, run_id)


def _most_severe_each(flag_sets: list[tuple[Flag, ...]]) -> list[Severity | None]:
    # Runs share a few distinct sets of flags, mostly the same objects: looked up by identity
    # first (hashing every Flag of every run costs more than the rest).
    seen: dict[int, Severity | None] = {}
    for flags in flag_sets:
        if id(flags) not in seen:
            seen[id(flags)] = most_severe(f.severity for f in flags)
    return [seen[id(flags)] for flags in flag_sets]


def profile(
    runs: Sequence[ProfileRun],
    label: str = "",
    samples: int = 500,
    seed: int = 0,
    confidence: float = 0.95,
    k: int = 3,
    singles: SingleRuns | None = None,
) -> Profile:
    """Return the reliability profile of `runs` (base runs and their replays).

    `singles`: more items, each one base run alone, as columns (their items none of `runs`'s);
    the profile is the one of `runs` plus `as_runs(singles)`, measured without a Python call
    per item.
    """
    with paused_collection():  # per-item statistics of many items, no reference cycle
        return _profile(runs, label, samples, seed, confidence, k, singles)


def _profile(
    runs: Sequence[ProfileRun],
    label: str,
    samples: int,
    seed: int,
    confidence: float,
    k: int,
    singles: SingleRuns | None,
) -> Profile:
    alone = singles if singles is not None else empty_singles()
    items = group_items(runs)
    layout = _Layout.of(items, alone)
    read: dict[Any, _Gathered] = {}
    bases = [r for item in items for r in item.of(BASE)]
    worst_per_run = [most_severe(f.severity for f in r.flags) for r in bases]
    worst_per_run += _most_severe_each(list(alone.flags.values()))
    severities = {str(level): sum(w == level for w in worst_per_run) for level in Severity}
    severities["none"] = sum(w is None for w in worst_per_run) + len(alone) - len(alone.flags)
    return Profile(
        label=label,
        runs=len(runs) + len(alone),
        items=len(items) + len(alone),
        metrics=[
            _measure(spec, layout, samples, seed, confidence, read) for spec in metric_specs(k)
        ],
        severities=severities,
        worst=_worst(bases, alone),
    )


def as_runs(singles: SingleRuns) -> list[ProfileRun]:
    """Return the single runs as `ProfileRun`s: what the profile reads of them, and no more
    (no decision, tools or resources: no metric reads those of an item's only run)."""
    return [
        ProfileRun(
            run_id=run_id,
            item=singles.item[i],
            correct=None if singles.correct[i] == UNKNOWN else bool(singles.correct[i]),
            exact=None if singles.exact[i] == UNKNOWN else bool(singles.exact[i]),
            confidence=None if np.isnan(singles.confidence[i]) else float(singles.confidence[i]),
            finished=bool(singles.finished[i]),
            tool_errors=int(singles.tool_errors[i]),
            flags=tuple(singles.flags.get(i, ())),
        )
        for i, run_id in enumerate(singles.run_id)
    ]
