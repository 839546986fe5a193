"""Request and response models only HTTP has (they also document it in /openapi.json).

What pages, the API and the CLI all show (runs, events, reviews, ...) lives in keel.reports.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, Field

from keel.replay.plan import Perturbation


class RunCounts(BaseModel):
    inserted: int
    duplicate: int


class BatchResult(BaseModel):
    runs: RunCounts
    events: RunCounts
    tool_calls: RunCounts


class ReplayRequest(BaseModel):
    perturbations: list[Perturbation] = Field(
        default_factory=lambda: [Perturbation.P1, Perturbation.P2, Perturbation.P3]
    )
    samples: int = Field(default=2, ge=1, le=16)
    seed: int = Field(default=0, ge=0, lt=2**31)
    live_tools: list[Annotated[str, Field(min_length=1, max_length=128)]] = Field(
        default_factory=list,
        max_length=64,
        description="Tools with side effects that the replays may run for real (audited); "
        "every other tool that is not read-only answers from the base run's record.",
    )
