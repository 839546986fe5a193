"""`keel world build` and `keel kb search` as a user runs them: real subprocesses."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path


def run_keel(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Run `python -m keel ARGS` with KEEL_HOME=`home`."""
    env = {**os.environ, "KEEL_HOME": str(home)}
    return subprocess.run([sys.executable, "-m", "keel", *args], capture_output=True, text=True,
                          env=env, timeout=120, check=False)  # fmt: skip


def test_world_build_json_prints_the_counts_of_the_built_world(tmp_path: Path) -> None:
    result = run_keel(tmp_path, "world", "build", "--json")
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["articles"] >= 60
    assert Path(summary["path"]) == tmp_path / "world"


def test_kb_search_json_lists_ranked_hits(tmp_path: Path) -> None:
    result = run_keel(tmp_path, "kb", "search", "lost stolen card", "--k", "2", "--json")
    assert result.returncode == 0, result.stderr
    hits = json.loads(result.stdout)
    assert len(hits) == 2 and hits[0]["id"] == "KB-401"
    assert set(hits[0]) == {"id", "title", "snippet", "score"}
