"""Turn stored runs into the generations the evaluators compare."""

from __future__ import annotations

from keel.evaluate.generation import Generation, ToolStep
from keel.store.models import RunStatus
from keel.store.runs import RunDetail


def generation_of(detail: RunDetail, label: str) -> Generation:
    """Return run `detail` as a generation labelled `label` (no output when the run failed)."""
    run = detail.run
    output = None if run.status == RunStatus.FAILED or not run.output else run.output
    steps = tuple(
        ToolStep(call.tool_name, call.args_digest, call.started_at, call.ended_at)
        for call in detail.tool_calls
    )
    return Generation(perturbation=label, output=output, tool_calls=steps)
