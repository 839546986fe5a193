"""Self-heal: for an unstable run, derive constraints from its replays, rerun it under them,
and re-score the rerun with fresh replays.

The rerun is SELF_HEALED, and linked to the original with before and after scores, only when
all three hold: it scores at or above the threshold; it honours every constraint its findings
asked for (the pinned decision, the required citations and tool: `critic.unresolved`); and it
is no less safe than the original (no higher risk, no new or worse flag, no dropped
disclaimer: `safety.safety_regressions`). Otherwise the attempt is recorded on the original as
rejected, with the reasons, and the original stays UNSTABLE. Every attempt keeps its plan and
the before and after of each output field, score, risk and flags, for the runs' pages.
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
from keel.heal.safety import SafetyView, safety_regressions, safety_view
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
from keel.store.heal import heal_job, queue_heal, record_heal, set_heal_job
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
    #: why the rerun is less safe than the original (empty: it is not)
    rejected: list[str] = field(default_factory=list)
    safety_before: SafetyView = field(default_factory=lambda: SafetyView(None))
    safety_after: SafetyView = field(default_factory=lambda: SafetyView(None))
    #: each output field the original or the rerun has: {"field", "before", "after", "changed"}
    fields: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        """Return the outcome as JSON-ready data."""
        return {
            **self.__dict__,
            "plan": self.plan.as_dict(),
            "safety_before": self.safety_before.as_dict(),
            "safety_after": self.safety_after.as_dict(),
        }


def field_changes(
    before: dict[str, Any] | None, after: dict[str, Any] | None
) -> list[dict[str, Any]]:
    """Return each top-level output field of either run with its value before and after."""
    before, after = before or {}, after or {}
    names = [*before, *(name for name in after if name not in before)]
    return [
        {
            "field": name,
            "before": before.get(name),
            "after": after.get(name),
            "changed": before.get(name) != after.get(name),
        }
        for name in names
    ]


def _safety_of(database: Database, run_id: str) -> SafetyView:
    with database.read() as session:
        detail = run_detail(session, run_id, related=True)
        assert detail is not None
        flags = [(flag.rule_id, flag.severity) for flag in detail.flags]
        return safety_view(detail.run.risk, flags, detail.run.output)


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


def healable(
    database: Database, run_id: str, targets: Sequence[ReplayTarget]
) -> tuple[RunDetail, ReplayTarget]:
    """Return run `run_id` and the target that can rerun it; Conflict saying why it cannot be
    healed (not UNSTABLE, not keel's agent)."""
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
    return base, target


def _next_attempt(base: RunDetail) -> str:
    return f"{base.run.run_id}-heal{len(base.run.metrics.get('heal_attempts', [])) + 1}"


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
    base, target = healable(database, run_id, targets)
    observed, result = observed_generations(database, base, target)
    sensitivity = {s["perturbation"]: s["delta"] for s in result.get("sensitivity", [])}
    outputs = [o.output for o in observed]
    contract = contract_for(base.run.workflow_type, base.run.inputs, outputs)
    temperature = float(base.run.inputs.get("temperature", 0.7))
    plan = derive_plan(observed, sensitivity, temperature, decision=contract.decision)
    healed_id = _next_attempt(base)
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
    before, now = _safety_of(database, run_id), _safety_of(database, healed_id)
    rejected = safety_regressions(before, now)
    outcome = HealOutcome(
        run_id,
        healed_id,
        plan,
        float(base.run.stability or 0.0),
        after.score,
        not after.unstable and not missing and not rejected,
        set_id,
        missing,
        rejected,
        before,
        now,
        field_changes(base.run.output, rerun.run.output),
    )
    with database.write() as session:
        record_heal(session, run_id, healed_id, outcome.as_dict(), healed=outcome.healed)
        audit.append(session, _action(outcome), audit.run_subject(run_id), actor, _details(outcome))
    return outcome


def _action(outcome: HealOutcome) -> str:
    if outcome.healed:
        return "run.healed"
    return "run.heal_rejected" if outcome.rejected else "run.heal_failed"


def _details(outcome: HealOutcome) -> dict[str, Any]:
    return {
        "healed_run": outcome.healed_run_id,
        "before": outcome.before,
        "after": outcome.after,
        "risk_before": outcome.safety_before.risk,
        "risk_after": outcome.safety_after.risk,
        "replay_set": outcome.replay_set_id,
        "unresolved": outcome.unresolved,
        "rejected": outcome.rejected,
    }


def start_heal(
    database: Database,
    run_id: str,
    targets: Sequence[ReplayTarget],
    *,
    samples: int = 2,
    seed: int = 0,
    live_tools: Iterable[str] = (),
    actor: str = "keel",
) -> str:
    """Check that run `run_id` can be healed, store its heal as a queued job, and return the id
    its rerun will have; Conflict when it cannot be healed or a heal of it is pending."""
    base, _ = healable(database, run_id, targets)
    with database.read() as session:
        if not any(s.status == "completed" for s in replay_sets_of_run(session, run_id)):
            raise Conflict(f"run {run_id} has no completed replays; replay it first", "run_id")
    healed_id = _next_attempt(base)
    request = {"samples": samples, "seed": seed, "live_tools": sorted(set(live_tools))}
    with database.write() as session:
        queue_heal(session, run_id, healed_id, {**request, "actor": actor})
    return healed_id


def run_queued_heal(
    database: Database,
    run_id: str,
    targets: Sequence[ReplayTarget],
    embed: Embedder,
    progress: Progress | None = None,
) -> HealOutcome:
    """Run the heal queued on `run_id` as it was asked; a failure is recorded on the job."""
    with database.write() as session:
        job = heal_job(session, run_id)
        if job is None or job.get("status") != "queued":
            raise Conflict(f"run {run_id} has no queued heal", "run_id")
        set_heal_job(session, run_id, "running")
    request = job.get("request", {})
    try:
        return heal_run(
            database,
            run_id,
            targets,
            embed,
            samples=int(request.get("samples", 2)),
            seed=int(request.get("seed", 0)),
            progress=progress,
            live_tools=request.get("live_tools", []),
            actor=str(request.get("actor", "keel")),
        )
    except Exception as exc:
        with database.write() as session:
            set_heal_job(session, run_id, "failed", str(exc) or type(exc).__name__)
        raise
