"""`keel world build` as a user runs it, in a real subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path


def run_keel(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Run `python -m keel ARGS` with KEEL_HOME=`home`."""
    env = {**os.environ, "KEEL_HOME": str(home)}
    return subprocess.run(
        [sys.executable, "-m", "keel", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )


def test_world_build_json_prints_the_counts_of_the_built_world(tmp_path: Path) -> None:
    result = run_keel(tmp_path, "world", "build", "--json")
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["articles"] >= 60 and summary["tickets"] >= 300
    assert summary["transactions"] >= 5_000 and summary["customers"] >= 200
    assert Path(summary["path"]) == tmp_path / "world"
