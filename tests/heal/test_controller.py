"""Self-heal end to end on a real database, with a small agent written in the test that can
honour a pinned category (keel's support agent honours the same plan through its inputs)."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from keel.core.errors import Conflict
from keel.govern.assessment import assess_runs
from keel.heal.controller import heal_run
from keel.heal.critic import HealPlan
from keel.models.embeddings import DEFAULT_EMBEDDER, embedder
from keel.replay.engine import run_replay_set, start_replay_set
from keel.replay.plan import Perturbation, ReplaySpec
from keel.replay.target import PerturbedInputs
from keel.store.engine import Database
from keel.store.models import AuditEntry, Run
from keel.store.runs import RunDetail, run_detail
from tests.replay.test_engine import ToyTarget, store_toy_run

AMBIGUOUS = "My withdraw fee shows on my tax form"


class PinnableToy(ToyTarget):
    """The toy agent, plus a rerun that answers with the pinned category."""

    def perturb(self, base: RunDetail, spec: ReplaySpec) -> PerturbedInputs:
        perturbed = super().perturb(base, spec)
        perturbed.inputs["pin"] = base.run.inputs.get("pinned")
        return perturbed

    def execute(
        self, base: RunDetail, perturbed: PerturbedInputs, spec: ReplaySpec, run_id: str
    ) -> None:
        pin = perturbed.inputs.get("pin")
        text = f"{pin.lower()} {pin.lower()}" if pin else perturbed.inputs["text"]
        store_toy_run(
            self.database, run_id, text, perturbed.inputs["seed"], base.run.run_id, pin=pin
        )

    def rerun_constrained(
        self, base: RunDetail, plan: HealPlan, run_id: str, tools: object = None
    ) -> None:
        pin = plan.pin_decision
        text = f"{pin} {pin}".lower() if pin else base.run.inputs["text"]
        store_toy_run(
            self.database, run_id, text, base.run.inputs["seed"], base.run.run_id, pin=pin
        )


def unstable_run(database: Database, target: PinnableToy) -> str:
    for seed in range(20):
        run_id = f"ambiguous-{seed}"
        store_toy_run(database, run_id, AMBIGUOUS, seed, None)
        set_id = start_replay_set(database, run_id, [Perturbation.P1], 3, seed, [target])
        if run_replay_set(database, set_id, [target], embedder(DEFAULT_EMBEDDER)).result.unstable:
            return run_id
    raise AssertionError("no seed made the ambiguous run unstable")


def test_heal_pins_the_majority_and_the_rerun_is_self_healed(database: Database) -> None:
    target = PinnableToy(database)
    run_id = unstable_run(database, target)
    outcome = heal_run(database, run_id, [target], embedder(DEFAULT_EMBEDDER), samples=2)
    assert outcome.plan.pin_decision in ("TAX", "WITHDRAWAL")
    assert outcome.healed and outcome.after >= 70 > outcome.before
    with database.read() as session:
        original = run_detail(session, run_id)
        healed = run_detail(session, outcome.healed_run_id)
    assert original is not None and healed is not None
    assert original.run.status == "UNSTABLE"
    assert original.run.metrics["healed_by"] == outcome.healed_run_id
    assert healed.run.status == "SELF_HEALED" and healed.run.parent_run_id == run_id
    assert healed.run.metrics["heal"]["before"] == pytest.approx(outcome.before)
    with database.read() as session:
        entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "run.healed")).one()
    assert entry.subject == f"run:{run_id}"
    assert json.loads(entry.details)["healed_run"] == outcome.healed_run_id


def test_only_unstable_runs_are_healed(database: Database) -> None:
    store_toy_run(database, "calm", "withdraw cash at the atm", 1, None)
    with pytest.raises(Conflict, match="not UNSTABLE"):
        heal_run(database, "calm", [PinnableToy(database)], embedder(DEFAULT_EMBEDDER))


class DisobedientToy(PinnableToy):
    """Reruns stably, but with the other category than the one the plan pinned."""

    def rerun_constrained(
        self, base: RunDetail, plan: HealPlan, run_id: str, tools: object = None
    ) -> None:
        other = "WITHDRAWAL" if plan.pin_decision == "TAX" else "TAX"
        super().rerun_constrained(base, HealPlan(pin_decision=other), run_id, tools)


def test_a_stable_rerun_that_ignores_its_constraints_is_not_self_healed(
    database: Database,
) -> None:
    target = DisobedientToy(database)
    run_id = unstable_run(database, target)
    outcome = heal_run(database, run_id, [target], embedder(DEFAULT_EMBEDDER), samples=2)
    assert outcome.after >= 70  # stable, yet not what its finding asked for
    assert not outcome.healed
    assert outcome.unresolved and "not the pinned" in outcome.unresolved[0]
    with database.read() as session:
        healed = run_detail(session, outcome.healed_run_id)
    assert healed is not None and healed.run.status != "SELF_HEALED"


RECKLESS = "Your savings account has guaranteed returns of 10%."


class RecklessToy(PinnableToy):
    """Honours the plan and reruns stably, but its answer adds a prohibited claim."""

    def rerun_constrained(
        self, base: RunDetail, plan: HealPlan, run_id: str, tools: object = None
    ) -> None:
        super().rerun_constrained(base, plan, run_id, tools)
        with self.database.write() as session:
            run = session.get(Run, run_id)
            assert run is not None
            run.output = {**run.output, "answer": f"{run.output['answer']} {RECKLESS}"}
            assess_runs(session, [run_id])


def test_a_stable_rerun_that_raises_risk_is_rejected_and_the_run_stays_unstable(
    database: Database,
) -> None:
    target = RecklessToy(database)
    run_id = unstable_run(database, target)
    outcome = heal_run(database, run_id, [target], embedder(DEFAULT_EMBEDDER), samples=2)
    assert outcome.after >= 70 and not outcome.unresolved  # stable, and did what was asked
    assert not outcome.healed
    assert "adds the high flag prohibited.guaranteed_returns" in outcome.rejected
    assert outcome.rejected[0].startswith("risk rose from ")
    assert outcome.safety_after.risk > outcome.safety_before.risk  # type: ignore[operator]
    with database.read() as session:
        original = run_detail(session, run_id)
        rerun = run_detail(session, outcome.healed_run_id)
        entry = session.scalars(
            select(AuditEntry).where(AuditEntry.action == "run.heal_rejected")
        ).one()
    assert original is not None and rerun is not None
    assert original.run.status == "UNSTABLE" and "healed_by" not in original.run.metrics
    assert rerun.run.status != "SELF_HEALED"
    attempt = original.run.metrics["heal_attempts"][-1]
    assert attempt["rejected"] == outcome.rejected and not attempt["healed"]
    answer = next(f for f in attempt["fields"] if f["field"] == "answer")
    assert answer["changed"] and RECKLESS in answer["after"]
    assert json.loads(entry.details)["rejected"] == outcome.rejected
