"""`keel demo` tells the whole story on a fresh KEEL_HOME: real runs, replays, a regression."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select

from keel.store.engine import Database
from keel.store.models import Alert, ReplaySet, Run


@pytest.mark.slow
def test_demo_runs_replays_and_catches_the_regression(tmp_path: Path) -> None:
    env = {**os.environ, "KEEL_HOME": str(tmp_path / ".keel")}
    result = subprocess.run(
        [sys.executable, "-m", "keel", "demo", "--no-serve", "--tickets", "20", "--json"],
        env=env, capture_output=True, text=True, timeout=900, cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    story = json.loads(result.stdout)
    assert story["runs"] == {"v1": 20, "v1-warm": 20, "v2-k1": 20}
    assert story["drift"]["verdict"] == "alert" and story["drift"]["alerts"]
    assert story["urls"][0].endswith("/overview")
    database = Database(f"sqlite:///{tmp_path / '.keel' / 'keel.db'}")
    with database.read() as session:
        oldest, newest = session.execute(
            select(func.min(Run.created_at), func.max(Run.created_at))
        ).one()
        replayed = session.scalar(select(func.count()).select_from(ReplaySet))
        alerts = session.scalar(select(func.count()).select_from(Alert))
        agents = session.scalar(select(func.count()).select_from(Run).where(Run.source == "agent"))
    database.dispose()
    assert (newest - oldest).days >= 20
    assert replayed >= 4 and alerts >= 1
    assert agents == session_runs(story)


def session_runs(story: dict) -> int:  # type: ignore[type-arg]
    replays = len(story["replayed"]) * 8
    heals = sum(1 + 8 for _ in story["healed"])
    return sum(story["runs"].values()) + replays + heals
