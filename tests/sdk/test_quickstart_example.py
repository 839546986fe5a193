"""examples/sdk_quickstart.py, the example docs/sdk.md walks through, really stores its run."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from keel.store.engine import Database
from tests.conftest import LiveServer
from tests.sdk.conftest import stored

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "sdk_quickstart.py"


def test_quickstart_example_sends_its_run_to_the_server(
    tmp_path: Path, live_server: LiveServer, database: Database
) -> None:
    env = {**os.environ, "KEEL_ENDPOINT": live_server.url, "KEEL_HOME": str(tmp_path)}
    result = subprocess.run(
        [sys.executable, str(EXAMPLE)], capture_output=True, text=True, env=env, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    run_id = result.stdout.split()[1].rstrip(":")
    detail = stored(database, run_id)
    assert detail.run.workflow_type == "support" and detail.run.total_tokens == 685
    assert [call.tool_name for call in detail.tool_calls] == ["knowledge.search", "account.lookup"]
    assert detail.run.output is not None
    assert detail.run.output["citations"] == ["kb-wire-cutoff", "kb-wire-fees"]
