"""keel: a control plane for LLM agents.

The package root carries only the SDK's public surface, so `import keel` stays light (no web
framework, database driver or ML library is imported until used).
"""

from keel.core.version import VERSION as __version__
from keel.sdk import configure, current_run, flush, replayable, tool, trace_run

__all__ = [
    "__version__",
    "configure",
    "current_run",
    "flush",
    "replayable",
    "tool",
    "trace_run",
]
