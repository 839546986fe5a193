"""keel's SDK: trace agent runs in-process and send them to keel without slowing the host.

    import keel

    @keel.tool
    def search(query: str) -> list[str]: ...

    with keel.trace_run(workflow_type="support", model="gpt-4o-mini") as run:
        run.llm_call(input_tokens=120, output_tokens=30)
        search("wire cut-off")
        run.set_output({"answer": "..."})

Runs go to `KEEL_ENDPOINT` (`POST /api/v1/runs:batch`) or, without one, straight into the store.
See docs/sdk.md.
"""

from keel.sdk.batcher import SdkStats
from keel.sdk.client import configure, flush, shutdown, stats
from keel.sdk.config import SdkConfig
from keel.sdk.decorators import tool
from keel.sdk.replayable import replayable
from keel.sdk.tracer import TracedRun, current_run, trace_run

__all__ = [
    "SdkConfig",
    "SdkStats",
    "TracedRun",
    "configure",
    "current_run",
    "flush",
    "replayable",
    "shutdown",
    "stats",
    "tool",
    "trace_run",
]
