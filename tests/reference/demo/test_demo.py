"""`keel demo` tells the whole story on a fresh KEEL_HOME: real runs, replays, a regression.

The story runs once per module (it is slow); each test reads what it left behind.
"""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from keel.core.settings import Settings
from keel.store.engine import Database
from keel.store.models import Alert, ReplaySet, Run
from tests.conftest import api_client

pytestmark = pytest.mark.slow

DEMO_BASE = "http://127.0.0.1:8000"


@dataclass
class Told:
    story: dict[str, Any]
    home: Path
    database: Database


@pytest.fixture(scope="module")
def told(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Told]:
    home = tmp_path_factory.mktemp("demo") / ".keel"
    env = {**os.environ, "KEEL_HOME": str(home)}
    command = [
        sys.executable,
        "-m",
        "keel",
        "demo",
        "--no-serve",
        "--json",
        "--tickets",
        "20",
        "--questions",
        "4",
    ]
    result = subprocess.run(
        command, env=env, capture_output=True, text=True, timeout=900, cwd=home.parent
    )
    assert result.returncode == 0, result.stderr[-3000:]
    database = Database(f"sqlite:///{home / 'keel.db'}")
    yield Told(json.loads(result.stdout), home, database)
    database.dispose()


def test_demo_runs_both_agents_over_four_weeks_and_catches_the_regression(told: Told) -> None:
    story = told.story
    assert story["runs"] == {
        "v1": 20,
        "v1-warm": 20,
        "sql-v1": 4,
        "sql-v1-warm": 4,
        "v2-k1": 20,
    }
    assert story["drift"]["verdict"] == "alert" and story["drift"]["alerts"]
    assert "answer_embeddings" in story["drift"]["checked"]
    assert story["tax_replayed"], "the replay sample includes tax tickets"
    with told.database.read() as session:
        oldest, newest = session.execute(
            select(func.min(Run.created_at), func.max(Run.created_at))
        ).one()
        replayed = session.scalar(select(func.count()).select_from(ReplaySet))
        alerts = session.scalar(select(func.count()).select_from(Alert))
        agents = session.scalar(select(func.count()).select_from(Run).where(Run.source == "agent"))
        sql_days = session.execute(
            select(func.min(Run.created_at), func.max(Run.created_at)).where(
                Run.workflow_type == "sql"
            )
        ).one()
    assert (newest - oldest).days >= 27 and (sql_days[1] - sql_days[0]).days >= 20
    # the sample's replay sets, and those the profile of v2-k1 needed on the same tickets
    profiled = story["profiles"]["replayed_items"]
    assert replayed == len(story["replayed"]) + profiled and len(story["replayed"]) >= 4
    assert alerts >= 1
    assert agents == session_runs(story), "every run is a real agent run"


def test_every_story_url_shows_what_it_claims(told: Told) -> None:
    story = told.story
    settings = Settings(home=told.home, database_url=f"sqlite:///{told.home / 'keel.db'}")
    with api_client(settings, told.database) as api:
        pages = {}
        for url in story["urls"]:
            local = url.replace(DEMO_BASE, "")
            response = api.get(local.split("#")[0], headers={"accept": "text/html"})
            assert response.status_code == 200, url
            pages[url] = response.text
    urls = story["urls"]
    assert urls[0] == f"{DEMO_BASE}/overview"
    assert urls[-2] == f"{DEMO_BASE}/overview#drift-alerts"
    assert 'id="drift-alerts"' in pages[urls[-2]]
    assert all(alert in pages[urls[-2]] for alert in story["drift"]["alerts"])
    # The story ends with v1 and v2-k1 profiled side by side, on the tickets both ran.
    assert urls[-1] == f"{DEMO_BASE}/reliability?workflow=support&config=v1&config=v2-k1"
    assert 'id="reliability-table"' in pages[urls[-1]]
    assert "v2-k1" in pages[urls[-1]] and story["profiles"]["paired_items"] > 0
    assert "/runs/" in urls[1] and 'class="status status-completed"' in pages[urls[1]]
    if story["unstable"]:
        unstable = story["unstable_tax"] or story["unstable"]
        assert urls[2] == f"{DEMO_BASE}/runs/{unstable[0]}"
        assert "UNSTABLE" in pages[urls[2]] or "SELF_HEALED" in pages[urls[2]]
        assert urls[3].startswith(f"{DEMO_BASE}/replays/rs-")
        assert 'id="heatmap-title"' in pages[urls[3]]
        if unstable[0] in story["healed"]:
            assert urls[4] == f"{DEMO_BASE}/runs/{story['healed'][unstable[0]]['rerun']}"
            assert unstable[0] in pages[urls[4]]
    else:
        assert len(urls) == 4


def session_runs(story: dict[str, Any]) -> int:
    replays = (len(story["replayed"]) + story["profiles"]["replayed_items"]) * 8
    heals = sum(1 + 8 for _ in story["healed"])
    return sum(story["runs"].values()) + replays + heals


def _readme_ci_commands() -> list[list[str]]:
    """Return the `keel` commands of the README's CI section, as argument lists."""
    readme = (Path(__file__).parents[3] / "README.md").read_text()
    section = readme.split("## Guard against regressions in CI", 1)[1]
    block = section.split("```bash", 1)[1].split("```", 1)[0]
    lines = [line.split("#", 1)[0].strip() for line in block.splitlines()]
    return [shlex.split(line) for line in lines if line.startswith("keel ")]


def _keel(told: Told, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "KEEL_HOME": str(told.home)}
    return subprocess.run(
        [sys.executable, "-m", "keel", *args], env=env, capture_output=True, text=True, timeout=300
    )


def test_the_readme_ci_commands_run_as_written_on_the_demo_data(told: Told) -> None:
    commands = _readme_ci_commands()
    assert [c[:3] for c in commands] == [
        ["keel", "baseline", "create"],
        ["keel", "drift", "check"],
        ["keel", "drift", "regress"],
    ]
    created = _keel(told, *commands[0][1:])
    assert created.returncode == 0, created.stderr
    assert "20 support runs frozen" in created.stdout  # the demo's v1 tickets
    for command in commands[1:]:
        result = _keel(told, *command[1:])
        assert result.returncode == 1, (command, result.stdout[-2000:], result.stderr)
        assert "error" not in result.stderr


def test_a_regress_that_compares_nothing_fails_naming_the_configurations(told: Told) -> None:
    result = _keel(told, "drift", "regress", "--baseline", "support-v1", "--config", "v2")
    assert result.returncode == 2
    message = result.stderr.strip()
    assert message.startswith("error: no support runs of config 'v2'"), message
    assert "\n" not in message
    for config in ("v1: 20 runs", "v1-warm: 20 runs", "v2-k1: 20 runs"):
        assert config in message
    empty = _keel(
        told,
        "drift",
        "check",
        "--baseline",
        "support-v1",
        "--since",
        "2000-01-01",
        "--until",
        "2000-02-01",
    )
    assert empty.returncode == 2 and "v2-k1: 20 runs" in empty.stderr
    nothing = _keel(told, "baseline", "create", "none", "--workflow", "support", "--config", "v9")
    assert nothing.returncode == 2 and "no support runs of config 'v9'" in nothing.stderr
