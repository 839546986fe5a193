"""The kinds of background work keel runs, and the record each keeps its state in."""

from __future__ import annotations

import enum


class JobKind(enum.StrEnum):
    """A kind of job; replay sets keep their state in `replay_sets`, the rest in `jobs`."""

    REPLAY_SET = "replay_set"
    HEAL = "heal"
    DRIFT_CHECK = "drift_check"
    BASELINE_FREEZE = "baseline_freeze"
