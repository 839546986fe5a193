"""The package root: its public surface is pinned, and importing it stays light."""

from __future__ import annotations

import json
import subprocess
import sys

import keel
import keel.sdk


def test_public_surface_is_pinned() -> None:
    assert keel.__all__ == [
        "__version__",
        "configure",
        "current_run",
        "flush",
        "replayable",
        "tool",
        "trace_run",
    ]
    assert keel.sdk.__all__ == [
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
    for name in keel.__all__ + keel.sdk.__all__:
        assert hasattr(keel.sdk if name in keel.sdk.__all__ else keel, name)


def test_import_keel_loads_no_heavy_library() -> None:
    heavy = ["torch", "sentence_transformers", "fastapi", "sqlalchemy", "httpx", "pydantic"]
    code = f"import sys, json, keel; print(json.dumps([m for m in {heavy!r} if m in sys.modules]))"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert json.loads(result.stdout) == []
