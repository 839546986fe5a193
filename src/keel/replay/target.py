"""What the replay engine needs from whatever produced a run: perturb its inputs, run it again.

keel's own agents, `@keel.replayable` entrypoints and LLM calls captured in ingested traces each
provide a ReplayTarget. A run no target accepts cannot be replayed, and the engine says why.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from keel.core.side_effects import ReplayToolPolicy
from keel.replay.plan import ReplaySpec
from keel.store.runs import RunDetail


@dataclass
class PerturbedInputs:
    """The inputs a replay runs with, and the record of exactly what was changed.

    `tools` is the replay's tool gate (keel.core.side_effects), set by the engine: a target
    that executes tools must let only the calls it allows run for real.
    """

    inputs: dict[str, Any]
    record: dict[str, Any] = field(default_factory=dict)
    tools: ReplayToolPolicy | None = None


class ReplayTarget(Protocol):
    """A way to re-execute runs of one kind."""

    name: str

    def accepts(self, base: RunDetail) -> bool:
        """Return whether this target produced (and can re-execute) `base`."""
        ...

    def unreplayable_reason(self, base: RunDetail) -> str | None:
        """Return why `base` cannot be replayed after all, with how to fix it; None if it can."""
        ...

    def observed_output(self, base: RunDetail) -> dict[str, Any] | None:
        """Return the output `base` produced (what its replays are compared with)."""
        ...

    def perturb(self, base: RunDetail, spec: ReplaySpec) -> PerturbedInputs:
        """Return `base`'s inputs with `spec`'s perturbation applied (seeded by the spec)."""
        ...

    def execute(
        self, base: RunDetail, perturbed: PerturbedInputs, spec: ReplaySpec, run_id: str
    ) -> None:
        """Run again with `perturbed` inputs, storing run `run_id` with parent `base.run.run_id`."""
        ...
