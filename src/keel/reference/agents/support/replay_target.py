"""Replay support runs: the agent re-executed with its stored inputs perturbed.

P1 paraphrases the instruction and the ticket, P2 reorders the retrieved documents (the agent's
`context_shuffle_seed`), P3 adds one tool constraint fitted to the tools the run used. Every
replay uses its own sampling seed, so seed-only replays measure the sampler's own noise.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from contextlib import closing
from dataclasses import dataclass
from typing import Any, TypeVar

from keel.core.records import RunRecord
from keel.core.settings import Settings
from keel.core.side_effects import ReplayToolPolicy
from keel.heal.critic import HealPlan
from keel.models import load_model, parse_model_spec
from keel.reference.agents.support.agent import SupportAgent
from keel.reference.agents.support.inputs import RETRIEVAL_TOOL, SupportInputs
from keel.reference.agents.tool_client import KEEL_SERVER_COMMAND, ToolClient
from keel.reference.agents.tool_host import ToolHost
from keel.reference.agents.trace import store_run
from keel.replay.constraints import choose_constraint
from keel.replay.paraphrase import paraphrase
from keel.replay.plan import Perturbation, ReplaySpec, derive_seed
from keel.replay.target import PerturbedInputs
from keel.store.engine import Database
from keel.store.runs import RunDetail

T = TypeVar("T")


@dataclass
class SupportRunner:
    """Runs support inputs on a tool server kept open for the runner's lifetime."""

    settings: Settings
    command: tuple[str, ...] = KEEL_SERVER_COMMAND
    _host: ToolHost | None = None

    def run(self, inputs: SupportInputs, gate: ReplayToolPolicy | None = None) -> RunRecord:
        """Run the agent once on `inputs` and return its (unstored) run; in a replay or heal,
        its tool calls pass `gate`."""
        spec = str(parse_model_spec(inputs.model))
        with closing(load_model(inputs.model, self.settings)) as model:
            return self.on_tools(
                lambda tools: SupportAgent(model, spec, tools.gated(gate)).run(inputs)
            )

    def on_tools(self, work: Callable[[ToolClient], Awaitable[T]]) -> T:
        """Return `work(tools)` run against the runner's tool server (started on first use)."""
        if self._host is None:
            self._host = ToolHost({"KEEL_HOME": str(self.settings.home.resolve())}, self.command)
        return self._host.run(work)

    def close(self) -> None:
        """Stop the tool server."""
        if self._host is not None:
            self._host.close()
            self._host = None


class SupportTarget:
    """Replays runs of keel's support agent."""

    name = "support"

    def __init__(
        self,
        database: Database,
        settings: Settings,
        server_command: tuple[str, ...] = KEEL_SERVER_COMMAND,
    ) -> None:
        self.database = database
        self.runner = SupportRunner(settings, server_command)

    def accepts(self, base: RunDetail) -> bool:
        return base.run.workflow_type == "support" and base.run.source == "agent"

    def unreplayable_reason(self, base: RunDetail) -> str | None:
        try:
            SupportInputs.model_validate(base.run.inputs)
        except ValueError as exc:
            return f"its stored inputs are not the support agent's ({exc.__class__.__name__})"
        return None

    def observed_output(self, base: RunDetail) -> dict[str, Any] | None:
        return base.run.output

    def perturb(self, base: RunDetail, spec: ReplaySpec) -> PerturbedInputs:
        inputs = SupportInputs.model_validate(base.run.inputs)
        changes: dict[str, Any] = {"seed": spec.generation_seed}
        if spec.perturbation == Perturbation.P1:
            changes["instruction"] = paraphrase(
                inputs.instruction,
                derive_seed(spec.perturbation_seed, "instruction"),
                is_message=False,
            )
            changes["ticket_text"] = paraphrase(inputs.ticket_text, spec.perturbation_seed)
        elif spec.perturbation == Perturbation.P2:
            changes["context_shuffle_seed"] = spec.perturbation_seed
        elif spec.perturbation == Perturbation.P3:
            used = [call.tool_name for call in base.tool_calls]
            constraint = choose_constraint(
                used, spec.perturbation_seed, retrieval_tool=RETRIEVAL_TOOL, k=inputs.retrieval_k
            )
            changes["tool_constraints"] = [*inputs.tool_constraints, constraint.as_dict()]
        record = {k: v for k, v in changes.items() if k != "seed"}
        return PerturbedInputs({"support": inputs.model_copy(update=changes)}, record)

    def execute(
        self, base: RunDetail, perturbed: PerturbedInputs, spec: ReplaySpec, run_id: str
    ) -> None:
        run = self.runner.run(perturbed.inputs["support"], perturbed.tools)
        run.run_id, run.parent_run_id = run_id, base.run.run_id
        store_run(self.database, run)

    def rerun_constrained(
        self, base: RunDetail, plan: HealPlan, run_id: str, tools: ReplayToolPolicy | None = None
    ) -> None:
        """Rerun `base` with the heal plan's constraints added to its inputs, behind `tools`."""
        inputs = SupportInputs.model_validate(base.run.inputs)
        changes: dict[str, Any] = {
            "pinned_category": plan.pin_decision,
            "required_citations": plan.required_citations,
            "required_tools": [plan.require_tool] if plan.require_tool else [],
        }
        if plan.temperature is not None:
            changes["temperature"] = plan.temperature
        run = self.runner.run(inputs.model_copy(update=changes), tools)
        run.run_id, run.parent_run_id = run_id, base.run.run_id
        store_run(self.database, run)

    def close(self) -> None:
        """Stop the tool server the replays used."""
        self.runner.close()
