"""The SDK inside real host processes: a dead server, exit flushing, fork, and configuration."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

import keel
from keel.core.errors import InvalidInput
from keel.store.engine import Database
from tests.conftest import LiveServer
from tests.sdk.conftest import closed_port_url, stored

HOST_PROGRAM = """
import json, sys
import keel, keel.sdk

@keel.tool
def lookup(customer_id):
    return {"customer_id": customer_id, "tier": "gold"}

for index in range(20):
    with keel.trace_run(workflow_type="support", model="offline", run_id=f"host-{index}") as run:
        run.llm_call(input_tokens=10, output_tokens=3)
        lookup(f"c-{index}")
    print(f"host step {index} done", flush=True)
print("host finished its work", flush=True)
if "--flush" in sys.argv:
    keel.flush(timeout_s=30)
    print("STATS " + json.dumps(keel.sdk.stats().as_dict()), flush=True)
"""


def run_host(
    tmp_path: Path, endpoint: str, *args: str
) -> tuple[subprocess.CompletedProcess[str], float]:
    """Run the host program against `endpoint`; return its result and wall time in seconds."""
    script = tmp_path / "host.py"
    script.write_text(HOST_PROGRAM)
    env = {**os.environ, "KEEL_ENDPOINT": endpoint, "KEEL_HOME": str(tmp_path / "home")}
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, str(script), *args], capture_output=True, text=True, env=env, timeout=120
    )
    return result, time.monotonic() - started


def host_stats(stdout: str) -> dict[str, int]:
    line = next(line for line in stdout.splitlines() if line.startswith("STATS "))
    return json.loads(line.removeprefix("STATS "))


def test_host_with_keel_down_finishes_with_its_output_a_drop_count_and_one_warning(
    tmp_path: Path,
) -> None:
    result, elapsed_s = run_host(tmp_path, closed_port_url(), "--flush")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[:21] == [f"host step {i} done" for i in range(20)] + ["host finished its work"]
    stats = host_stats(result.stdout)
    assert stats["dropped"] == 20 and stats["sent"] == 0
    warnings = result.stderr.strip().splitlines()
    assert len(warnings) == 1, result.stderr
    assert warnings[0].startswith("keel: could not deliver runs to http://127.0.0.1:")
    assert elapsed_s < 60  # generous: "does not hang", not a performance figure


def test_host_exit_with_keel_down_is_quick_and_warns_once(tmp_path: Path) -> None:
    result, elapsed_s = run_host(tmp_path, closed_port_url())
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1] == "host finished its work"
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert elapsed_s < 60


def test_runs_left_in_the_queue_are_sent_at_exit(
    tmp_path: Path, live_server: LiveServer, database: Database
) -> None:
    result, _ = run_host(tmp_path, live_server.url)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    for index in (0, 19):
        detail = stored(database, f"host-{index}")
        assert detail.run.total_tokens == 13
        assert detail.tool_calls[0].tool_name == "lookup"


FORKING_HOST = """
import json, os, sys
import keel, keel.sdk

with keel.trace_run(workflow_type="support", run_id="before-fork"):
    pass
pid = os.fork()
if pid == 0:
    with keel.trace_run(workflow_type="support", run_id="in-child"):
        pass
    with keel.trace_run(workflow_type="support") as run:
        pass
    keel.flush(timeout_s=30)
    print("CHILD_ID " + run.run_id, flush=True)
    print("CHILD " + json.dumps(keel.sdk.stats().as_dict()), flush=True)
    os._exit(0)
os.waitpid(pid, 0)
with keel.trace_run(workflow_type="support", run_id="after-fork"):
    pass
with keel.trace_run(workflow_type="support") as run:
    pass
keel.flush(timeout_s=30)
print("PARENT_ID " + run.run_id, flush=True)
print("PARENT " + json.dumps(keel.sdk.stats().as_dict()), flush=True)
"""


def test_a_forked_child_sends_its_own_runs(
    tmp_path: Path, live_server: LiveServer, database: Database
) -> None:
    script = tmp_path / "forking.py"
    script.write_text(FORKING_HOST)
    env = {**os.environ, "KEEL_ENDPOINT": live_server.url}
    result = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, env=env, timeout=120
    )
    assert result.returncode == 0, result.stderr
    reports = dict(line.split(" ", 1) for line in result.stdout.splitlines())
    assert json.loads(reports["CHILD"])["sent"] == 2
    assert json.loads(reports["PARENT"])["sent"] == 3
    assert reports["CHILD_ID"] != reports["PARENT_ID"]  # generated ids do not repeat across fork
    for run_id in (
        "before-fork",
        "in-child",
        "after-fork",
        reports["CHILD_ID"],
        reports["PARENT_ID"],
    ):
        assert stored(database, run_id).run.status == "COMPLETED"


def test_configure_refuses_nonsense_options() -> None:
    with pytest.raises(InvalidInput) as caught:
        keel.configure(queue_size=0)
    assert caught.value.field == "queue_size"
