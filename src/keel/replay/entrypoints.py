"""Replay runs of the user's own agents: `@keel.replayable` entrypoints, imported and called again.

P1 paraphrases the parameters declared as instruction and user input, P2 reorders the context
documents, P3 constrains one of the tools the run called (the host's `@keel.tool` functions feel
it) or drops it from the declared tool set. The replayed call records its run through the SDK
as usual; the run is stored here, synchronously, so the engine can score it at once.
"""

from __future__ import annotations

import contextlib
import importlib
import importlib.util
import inspect
import json
import sys
from pathlib import Path
from typing import Any

from keel.core.errors import Conflict
from keel.core.side_effects import ReplayToolPolicy
from keel.ingest.native import parse_batch, to_records
from keel.ingest.storing import store_runs
from keel.replay.constraints import ConstraintKind, choose_constraint
from keel.replay.paraphrase import paraphrase
from keel.replay.plan import Perturbation, ReplaySpec, derive_seed
from keel.replay.shuffle import apply_order, shuffled_order
from keel.replay.target import PerturbedInputs
from keel.replay.tool_gate import policy_for_children
from keel.sdk.capture import price_table
from keel.sdk.replay_context import ReplayContext, replaying
from keel.store.engine import Database
from keel.store.runs import RunDetail

REDACTED = "[REDACTED]"


def _import(module_name: str, source: str | None) -> Any:
    """Import `module_name`, or load it from the file it was recorded in."""
    try:
        return importlib.import_module(module_name)
    except ImportError:
        if not source or not Path(source).is_file():
            raise
    spec = importlib.util.spec_from_file_location(module_name, source)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {source}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    spec.loader.exec_module(module)
    return module


def load_entrypoint(path: str, source: str | None = None) -> Any:
    """Import and return the function at `module:qualname` (from `source` when not on the path)."""
    module_name, _, qualname = path.partition(":")
    target: Any = _import(module_name, source)
    for part in qualname.split("."):
        target = getattr(target, part)
    return target


def _tool_name(item: Any) -> str | None:
    if isinstance(item, str):
        return item
    if isinstance(item, dict):
        return item.get("name") or item.get("function", {}).get("name")
    return getattr(item, "__name__", None)


class EntrypointTarget:
    """Replays runs recorded by `@keel.replayable`."""

    name = "entrypoint"

    def __init__(self, database: Database) -> None:
        self.database = database

    def accepts(self, base: RunDetail) -> bool:
        return "entrypoint" in base.run.inputs

    def unreplayable_reason(self, base: RunDetail) -> str | None:
        path = base.run.inputs["entrypoint"]
        try:
            function = load_entrypoint(path, base.run.inputs.get("entrypoint_file"))
        except (ImportError, AttributeError) as exc:
            return (
                f"its entrypoint {path} cannot be imported here ({exc}); run keel from the "
                "agent's project, or add it to PYTHONPATH"
            )
        missing = _required_but_unstored(function, base.run.inputs)
        if missing:
            return (
                f"parameters {missing} were not stored (secret or not JSON) and have no "
                "default; give them defaults, e.g. read from the environment"
            )
        return None

    def close(self) -> None:
        return None

    def observed_output(self, base: RunDetail) -> dict[str, Any] | None:
        return base.run.output

    def perturb(self, base: RunDetail, spec: ReplaySpec) -> PerturbedInputs:
        inputs = base.run.inputs
        arguments = {k: v for k, v in inputs["arguments"].items() if v != REDACTED}
        roles: dict[str, str] = inputs.get("roles", {})
        record: dict[str, Any] = {"kind": str(spec.perturbation)}
        constraint = None
        if spec.perturbation == Perturbation.P1:
            for role in ("instruction", "user_input"):
                name = roles.get(role)
                if name and isinstance(arguments.get(name), str):
                    seed = derive_seed(spec.perturbation_seed, role)
                    arguments[name] = paraphrase(
                        arguments[name], seed, is_message=role == "user_input"
                    )
                    record[role] = arguments[name]
        elif spec.perturbation == Perturbation.P2:
            name = roles.get("context")
            if name and isinstance(arguments.get(name), list):
                order = shuffled_order(len(arguments[name]), spec.perturbation_seed)
                arguments[name] = apply_order(arguments[name], order)
                record["context_order"] = order
        elif spec.perturbation == Perturbation.P3:
            used = [call.tool_name for call in base.tool_calls]
            constraint = choose_constraint(used, spec.perturbation_seed).as_dict()
            record["constraint"] = constraint
            _drop_declared_tool(arguments, roles.get("tools"), constraint)
        return PerturbedInputs({"arguments": arguments, "constraint": constraint}, record)

    def execute(
        self, base: RunDetail, perturbed: PerturbedInputs, spec: ReplaySpec, run_id: str
    ) -> None:
        self._call(
            base,
            perturbed.inputs["arguments"],
            perturbed.inputs["constraint"],
            run_id,
            perturbed.tools,
        )

    def rerun_constrained(
        self, base: RunDetail, plan: Any, run_id: str, tools: ReplayToolPolicy | None = None
    ) -> None:
        """Rerun `base` with its stored arguments (a heal; the entrypoint reads the plan from
        its replay context if it wants to), behind the same tool gate as its replays."""
        arguments = {k: v for k, v in base.run.inputs["arguments"].items() if v != REDACTED}
        self._call(base, arguments, None, run_id, tools)

    def _call(
        self,
        base: RunDetail,
        arguments: dict[str, Any],
        constraint: dict[str, Any] | None,
        run_id: str,
        tools: ReplayToolPolicy | None,
    ) -> None:
        inputs = base.run.inputs
        function = load_entrypoint(inputs["entrypoint"], inputs.get("entrypoint_file"))
        context = ReplayContext(run_id, base.run.run_id, constraint, tools=tools)
        # An exception from the agent is part of what the replay observes: the SDK has
        # recorded the run as FAILED with its error.
        with replaying(context), policy_for_children(tools), contextlib.suppress(Exception):
            function(**arguments)
        if not context.finished_runs:
            raise Conflict(
                f"{base.run.inputs['entrypoint']} recorded no run when replayed", "run_id"
            )
        batch = parse_batch({"runs": [json.loads(b) for b in context.finished_runs]})
        records = to_records(batch, price_table())
        with self.database.write() as session:
            store_runs(session, records, "replay", "replay")


def _drop_declared_tool(
    arguments: dict[str, Any], name: str | None, constraint: dict[str, Any]
) -> None:
    if constraint["kind"] != ConstraintKind.UNAVAILABLE or not name:
        return
    tools = arguments.get(name)
    if isinstance(tools, list):
        arguments[name] = [item for item in tools if _tool_name(item) != constraint.get("tool")]


def _required_but_unstored(function: Any, inputs: dict[str, Any]) -> list[str]:
    stored = {k for k, v in inputs.get("arguments", {}).items() if v != REDACTED}
    return [
        name
        for name, parameter in inspect.signature(function).parameters.items()
        if name not in stored
        and parameter.default is inspect.Parameter.empty
        and parameter.kind not in (parameter.VAR_POSITIONAL, parameter.VAR_KEYWORD)
    ]
