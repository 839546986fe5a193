"""What each kind of job (other than a replay set) is asked to do: validated when submitted,
stored as JSON on the job, read back by whoever runs it."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from keel.jobs.kinds import JobKind


class _Params(BaseModel):
    model_config = ConfigDict(extra="forbid")


class HealParams(_Params):
    """Heal an UNSTABLE run (keel.heal.controller.heal_run)."""

    run_id: str = Field(min_length=1, max_length=128)
    samples: int = Field(2, ge=1, le=16)
    seed: int = Field(0, ge=0)
    live_tools: list[str] = Field(default_factory=list, max_length=32)


class DriftCheckParams(_Params):
    """Check a window of runs against a baseline (keel.drift.check.check_drift)."""

    baseline: str = Field(min_length=1, max_length=128)
    since: datetime | None = None
    until: datetime | None = None
    model: str | None = Field(None, max_length=128)
    config: str | None = Field(None, max_length=128)
    ignore: list[str] = Field(default_factory=list, max_length=64)


class BaselineFreezeParams(_Params):
    """Freeze the matching runs as a baseline (keel.drift.baseline.create_baseline)."""

    name: str = Field(min_length=1, max_length=128)
    workflow: str = Field(min_length=1, max_length=64)
    model: str | None = Field(None, max_length=128)
    config: str | None = Field(None, max_length=128)
    since: datetime | None = None
    until: datetime | None = None
    embed: bool = True


PARAMS: dict[JobKind, type[_Params]] = {
    JobKind.HEAL: HealParams,
    JobKind.DRIFT_CHECK: DriftCheckParams,
    JobKind.BASELINE_FREEZE: BaselineFreezeParams,
}
