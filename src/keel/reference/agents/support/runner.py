"""Running support tickets: one model, one tool server for the batch, each run stored."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from typing import Any

from keel.core.records import RunRecord, RunStatus
from keel.core.settings import Settings
from keel.models import ModelProvider, loaded_models, parse_model_spec
from keel.reference.agents.support.agent import SupportAgent
from keel.reference.agents.support.inputs import SupportInputs
from keel.reference.agents.tool_client import KEEL_SERVER_COMMAND, tool_client
from keel.reference.agents.trace import AgentTrace, store_run
from keel.store.engine import Database


async def _run_all(
    batch: Sequence[SupportInputs],
    models: dict[str, ModelProvider],
    settings: Settings,
    database: Database,
    server_command: tuple[str, ...],
    on_done: Callable[[RunRecord], None],
    config: str | None,
    expected: Sequence[dict[str, Any] | None],
) -> list[RunRecord]:
    runs: list[RunRecord] = []

    def done(run: RunRecord) -> None:
        if config is not None:  # the label drift checks select runs by (`--config`)
            run.metrics = {**run.metrics, "config": config}
        wanted = expected[len(runs)] if len(runs) < len(expected) else None
        if wanted:  # what the reliability profile judges the run against; the agent never sees it
            run.metrics = {**run.metrics, "expected": wanted}
        store_run(database, run)
        runs.append(run)
        on_done(run)

    env = {"KEEL_HOME": str(settings.home.resolve())}
    try:
        async with tool_client(server_command, env) as tools:
            for inputs in batch:
                spec = str(parse_model_spec(inputs.model))
                done(await SupportAgent(models[inputs.model], spec, tools).run(inputs))
    except Exception as exc:  # the server failed to start or died between runs
        for inputs in batch[len(runs) :]:
            trace = AgentTrace(
                "support", str(parse_model_spec(inputs.model)), inputs.model_dump(mode="json")
            )
            done(trace.record(RunStatus.FAILED, None, error=f"tool server: {exc}"))
    return runs


def run_support(
    batch: Sequence[SupportInputs],
    settings: Settings,
    database: Database,
    server_command: tuple[str, ...] = KEEL_SERVER_COMMAND,
    on_done: Callable[[RunRecord], None] = lambda _run: None,
    config: str | None = None,
    expected: Sequence[dict[str, Any] | None] = (),
) -> list[RunRecord]:
    """Run every ticket of `batch`, store each run as it finishes, and return them in order.

    `config` labels each stored run's configuration (`metrics["config"]`); `expected[i]`, when
    given, is the right output fields of ticket i (`metrics["expected"]`).
    """
    with loaded_models((i.model for i in batch), settings) as models:
        return asyncio.run(
            _run_all(batch, models, settings, database, server_command, on_done, config, expected)
        )
