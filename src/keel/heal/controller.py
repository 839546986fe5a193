"""Self-heal: for an unstable run, derive constraints from its replays, rerun it under them,
and re-score the rerun with fresh replays.

At or above the threshold, and only when the rerun honours every constraint its findings asked
for (the pinned decision, the required citations and tool: `critic.unresolved`), the rerun is
SELF_HEALED and linked to the original with before and after scores; otherwise the attempt is
recorded on the original, with what stayed unresolved, and the original stays UNSTABLE.
The rerun and its replays pass the same tool gate as any replay (keel.core.side_effects): tools
with side effects answer from the record unless named in `live_tools`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from keel.core.errors import Conflict
from keel.core.records import RunStatus
from keel.core.side_effects import ReplayToolPolicy
from keel.evaluate.contract import contract_for
from keel.govern import audit
from keel.heal.critic import HealPlan, Observed, derive_plan, unresolved
from keel.models.embeddings import Embedder
from keel.replay.engine import (
    Progress,
    load_run,
    resolve_target,
    run_replay_set,
    start_replay_set,
)
from keel.replay.plan import Perturbation
from keel.replay.target import ReplayTarget
from keel.replay.tool_gate import audit_live_tools, tool_policy
from keel.store.engine import Database
from keel.store.heal import record_heal
from keel.store.replays import replay_set_detail, replay_sets_of_run
from keel.store.runs import RunDetail, run_detail


class HealableTarget(ReplayTarget, Protocol):
    """A replay target that can also rerun a run under a heal plan's constraints."""

    def rerun_constrained(
        self, base: RunDetail, plan: HealPlan, run_id: str, tools: ReplayToolPolicy | None = None
    ) -> None:
        """Rerun `base` under `plan`, storing run `run_id` with parent `base`; only the calls
        `tools` allows run for real."""
        ...


@dataclass
class HealOutcome:
    """What a heal attempt did: the plan, the rerun, and the scores before and after."""

    run_id: str
    healed_run_id: str
    plan: HealPlan
    before: float
    after: float
    healed: bool
    replay_set_id: str
    unresolved: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        """Return the outcome as JSON-ready data."""
        return {**self.__dict__, "plan": self.plan.as_dict()}


def observed_generations(
    database: Database, base: RunDetail, target: ReplayTarget
) -> tuple[list[Observed], dict[str, Any]]:
    """Return the base and its newest completed replays as the critic reads them, and the result."""
    with database.read() as session:
        sets = [s for s in replay_sets_of_run(session, base.run.run_id) if s.status == "completed"]
        if not sets:
            raise Conflict(
                f"run {base.run.run_id} has no completed replays; replay it first", "run_id"
            )
        found = replay_set_detail(session, sets[0].set_id)
        assert found is not None
        replays = [
            (r.perturbation_type, run_detail(session, r.replay_run_id or "")) for r in found.replays
        ]
    tools = tuple(call.tool_name for call in base.tool_calls)
    observed = [Observed("base", target.observed_output(base), tools)]
    for label, detail in replays:
        if detail is not None:
            output = None if detail.run.status == RunStatus.FAILED else detail.run.output
            observed.append(Observed(label, output, tuple(c.tool_name for c in detail.tool_calls)))
    return observed, found.replay_set.result.get("stability", {})


def heal_run(
    database: Database,
    run_id: str,
    targets: Sequence[ReplayTarget],
    embed: Embedder,
    *,
    samples: int = 2,
    seed: int = 0,
    progress: Progress | None = None,
    live_tools: Iterable[str] = (),
    actor: str = "keel",
) -> HealOutcome:
    """Heal unstable run `run_id` (see the module docstring) and return what happened."""
    base = load_run(database, run_id)
    if base.run.status != RunStatus.UNSTABLE:
        raise Conflict(
            f"run {run_id} is {base.run.status}, not UNSTABLE; only unstable runs are healed",
            "run_id",
        )
    target = resolve_target(base, targets)
    if not hasattr(target, "rerun_constrained"):
        raise Conflict(
            f"runs of {target.name} cannot be healed: keel can only constrain its own agents",
            "run_id",
        )
    observed, result = observed_generations(database, base, target)
    sensitivity = {s["perturbation"]: s["delta"] for s in result.get("sensitivity", [])}
    outputs = [o.output for o in observed]
    contract = contract_for(base.run.workflow_type, base.run.inputs, outputs)
    temperature = float(base.run.inputs.get("temperature", 0.7))
    plan = derive_plan(observed, sensitivity, temperature, decision=contract.decision)
    attempt = len(base.run.metrics.get("heal_attempts", [])) + 1
    healed_id = f"{run_id}-heal{attempt}"
    live = sorted(set(live_tools))
    if live:
        with database.write() as session:
            audit_live_tools(session, run_id, live, actor, f"heal rerun {healed_id}")
    tools = tool_policy(database, run_id, live)
    target.rerun_constrained(base, plan, healed_id, tools)  # type: ignore[attr-defined]
    kinds = [Perturbation.P1, Perturbation.P2, Perturbation.P3]
    set_id = start_replay_set(database, healed_id, kinds, samples, seed, [target], live, actor)
    after = run_replay_set(database, set_id, [target], embed, progress).result
    rerun = load_run(database, healed_id)
    missing = unresolved(
        plan,
        target.observed_output(rerun),
        [call.tool_name for call in rerun.tool_calls],
        decision=contract.decision,
    )
    outcome = HealOutcome(
        run_id,
        healed_id,
        plan,
        float(base.run.stability or 0.0),
        after.score,
        not after.unstable and not missing,
        set_id,
        missing,
    )
    with database.write() as session:
        record_heal(session, run_id, healed_id, outcome.as_dict(), healed=outcome.healed)
        action = "run.healed" if outcome.healed else "run.heal_failed"
        details = {
            "healed_run": healed_id,
            "before": outcome.before,
            "after": outcome.after,
            "replay_set": set_id,
            "unresolved": missing,
        }
        audit.append(session, action, audit.run_subject(run_id), "keel", details)
    return outcome
