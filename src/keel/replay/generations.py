"""Turn stored runs into the generations the evaluators compare."""

from __future__ import annotations

from typing import Any

from keel.core.records import RunStatus
from keel.core.side_effects import comparison_digest
from keel.evaluate.generation import Generation, ToolStep
from keel.store.runs import RunDetail


def generation_of(
    detail: RunDetail, label: str, output: dict[str, Any] | None = None
) -> Generation:
    """Return run `detail` as a generation labelled `label` (no output when the run failed).

    `output` replaces the run's stored output (a traced run keeps its answer in its spans).
    """
    run = detail.run
    output = output or run.output
    if run.status == RunStatus.FAILED or not output:
        output = None
    steps = tuple(
        ToolStep(
            call.tool_name,
            comparison_digest(call.args_digest, call.result_meta),  # a refused call diverges
            call.started_at,
            call.ended_at,
        )
        for call in detail.tool_calls
    )
    return Generation(perturbation=label, output=output, tool_calls=steps)
