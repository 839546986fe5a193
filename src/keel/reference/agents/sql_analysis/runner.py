"""Running SQL questions: one model, one tool server for the batch, each run stored."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from keel.core.records import RunRecord, RunStatus
from keel.core.settings import Settings
from keel.models import ModelProvider, loaded_models, parse_model_spec
from keel.reference.agents.sql_analysis.agent import SqlAgent
from keel.reference.agents.sql_analysis.schema import SqlInputs
from keel.reference.agents.tool_client import KEEL_SERVER_COMMAND, tool_client
from keel.reference.agents.trace import AgentTrace, store_run
from keel.store.engine import Database


async def _run_all(
    batch: Sequence[SqlInputs],
    models: dict[str, ModelProvider],
    settings: Settings,
    database: Database,
    server_command: tuple[str, ...],
) -> list[RunRecord]:
    runs: list[RunRecord] = []
    env = {"KEEL_HOME": str(settings.home.resolve())}
    try:
        async with tool_client(server_command, env) as tools:
            for inputs in batch:
                spec = str(parse_model_spec(inputs.model))
                run = await SqlAgent(models[inputs.model], spec, tools).run(inputs)
                store_run(database, run)
                runs.append(run)
    except Exception as exc:  # the server failed to start or died between runs
        for inputs in batch[len(runs) :]:
            trace = AgentTrace(
                "sql",
                str(parse_model_spec(inputs.model)),
                inputs.model_dump(mode="json", by_alias=True),
            )
            run = trace.record(RunStatus.FAILED, None, error=f"tool server: {exc}")
            store_run(database, run)
            runs.append(run)
    return runs


def run_sql(
    batch: Sequence[SqlInputs],
    settings: Settings,
    database: Database,
    server_command: tuple[str, ...] = KEEL_SERVER_COMMAND,
) -> list[RunRecord]:
    """Run every question of `batch`, store each run, and return them in order."""
    with loaded_models((i.model for i in batch), settings) as models:
        return asyncio.run(_run_all(batch, models, settings, database, server_command))
