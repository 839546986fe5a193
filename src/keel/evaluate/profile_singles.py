"""Items of one run each, as columns: what most of a large population is, measured as arrays.

An item with a single base run and no replay has no rerun, seed or perturbation, so of the
profile's metrics only those that read one run at a time see it (accuracy, exact match, the
confidence table, tool-failure recovery and completion, the safety shares), each with one run.
Reading such items as `ProfileRun`s and measuring them one Python call at a time is what made a
profile of 100,000 runs cost seconds; here they are one array per attribute, and each metric's
contribution is the same row of statistics keel.evaluate.profile_metrics gives the item, for
all of them at once. `SingleRuns.as_runs` gives them back as runs, so a test can check that
both ways give the same profile.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from keel.evaluate import profile_stats as ps

#: How `correct` and `exact` hold an unknown (no expected outcome) in an integer array.
UNKNOWN = -1


@dataclass
class SingleRuns:
    """Base runs that are alone in their item, one array entry per run, in item-key order.

    `correct` and `exact` are 1, 0 or UNKNOWN; `confidence` NaN when the agent gave none;
    `tool_errors` is read as whether any tool call failed (1 will do for any count);
    `flags` only for the runs that have any (index -> flags).
    """

    run_id: list[str]
    item: list[str]
    correct: np.ndarray
    exact: np.ndarray
    confidence: np.ndarray
    finished: np.ndarray
    tool_errors: np.ndarray
    flags: dict[int, tuple[Any, ...]] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.run_id)

    def flagged(self, test: Callable[[Sequence[Any]], bool]) -> np.ndarray:
        """Return, per run, whether `test` holds of its flags (a run without: of no flags)."""
        out = np.full(len(self), test(()), dtype=bool)
        # Runs share a few distinct sets of flags, mostly the same objects (one per distinct
        # stored list): looked up by identity, as hashing every flag costs more than testing.
        seen: dict[int, bool] = {}
        for index, flags in self.flags.items():
            if id(flags) not in seen:
                seen[id(flags)] = test(flags)
            out[index] = seen[id(flags)]
        return out


def empty_singles() -> SingleRuns:
    """Return no runs."""
    none = np.zeros(0)
    return SingleRuns(
        [],
        [],
        none.astype(np.int8),
        none.astype(np.int8),
        none,
        none.astype(bool),
        none.astype(np.int64),
    )


#: What all single-run items add to one metric: which contribute, and their statistics rows.
Columns = tuple[np.ndarray, np.ndarray]


def _pairs(mask: np.ndarray, first: np.ndarray) -> Columns:
    chosen = first[mask].astype(float)
    return mask, np.column_stack([chosen, np.ones(chosen.size)])


def accuracy(runs: SingleRuns) -> Columns:
    """[correct, 1] of each run with an expected outcome."""
    return _pairs(runs.correct != UNKNOWN, runs.correct)


def exact_match(runs: SingleRuns) -> Columns:
    """[exact, 1] of each run with an expected outcome."""
    return _pairs(runs.exact != UNKNOWN, runs.exact)


def pass_k(k: int) -> Callable[[SingleRuns], Columns]:
    """[C(c, k) / C(1, k), 1] of each judged run when k <= 1 (one run is k runs); else none."""

    def columns(runs: SingleRuns) -> Columns:
        if k > 1:
            return nothing(runs)
        mask = runs.correct != UNKNOWN
        value = np.array([math.comb(c, k) / math.comb(1, k) for c in (0, 1)])
        return _pairs(mask, value[np.clip(runs.correct, 0, 1)])

    return columns


def recovery(runs: SingleRuns) -> Columns:
    """[correct, 1] of each judged run whose tools failed."""
    return _pairs((runs.tool_errors > 0) & (runs.correct != UNKNOWN), runs.correct)


def completion(runs: SingleRuns) -> Columns:
    """[finished, 1] of each run whose tools failed."""
    return _pairs(runs.tool_errors > 0, runs.finished)


def confidence_table(runs: SingleRuns) -> Columns:
    """The (level x correct) one-hot count table and the Brier term of each confident run."""
    mask = (runs.correct != UNKNOWN) & ~np.isnan(runs.confidence)
    confidence = runs.confidence[mask]
    correct = runs.correct[mask].astype(np.int64)
    # ps.level: round half to even (as Python's round), clipped to the grid.
    levels = np.clip(np.rint(confidence / 1.0 * (ps.LEVELS - 1)), 0, ps.LEVELS - 1).astype(int)
    rows = np.zeros((confidence.size, 2 * ps.LEVELS + 1))
    rows[np.arange(confidence.size), 2 * levels + correct] = 1.0
    rows[:, -1] = np.square(confidence - correct.astype(float))
    return mask, rows


def base_share(test: Callable[[SingleRuns], np.ndarray]) -> Callable[[SingleRuns], Columns]:
    """[test holds, 1] of every run."""

    def columns(runs: SingleRuns) -> Columns:
        return _pairs(np.ones(len(runs), dtype=bool), test(runs))

    return columns


def nothing(runs: SingleRuns) -> Columns:
    """No run alone in its item contributes (the metric needs reruns or replays)."""
    return np.zeros(len(runs), dtype=bool), np.zeros((0, 0))
