"""The drift gate on real support runs, through the CLI, on both databases.

Baseline: the real support agent (offline default, `keel mcp serve` over stdio) on a fixed ticket
set. Then the same tickets under a changed configuration (retrieval k=1) and under the unchanged
one with another seed: `keel drift check` exits 1 on the first and 0 on the second.

The commands run in-process through Typer's runner, so the embedding model loads once. The
ticket set is run once before the baseline so that every measured run finds the articles'
sentences already embedded. Latency is left out (`--ignore latency_ms`), as on a shared CI
runner: a run takes ~60 ms here, so a burst of load from other processes during one batch
moves that whole batch's latencies and the KS test alerts on the unchanged configuration
(seen in 2 of 6 tries before it was ignored).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from keel.cli.app import app
from keel.reference.world import World
from keel.store.engine import Database

# Below 10 runs (Thresholds.min_runs) stability, cost and answer embeddings are not compared;
# at 10 the changed configuration's tool-path shift is decisive after Benjamini-Hochberg
# (adjusted p about 1e-4; measured 4e-4 at 8 tickets, 1e-5 at 12).
TICKETS = 10


def run_keel(home: Path, database_url: str, *args: str) -> Result:
    """Run `keel ARGS` in-process with KEEL_HOME=`home` on `database_url`."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("KEEL_HOME", str(home))
        patch.setenv("KEEL_DATABASE_URL", database_url)
        return CliRunner().invoke(app, list(args))


def _ticket_file(folder: Path, world: World) -> Path:
    path = folder / "tickets.jsonl"
    rows = [
        {"ticket_text": t.text, "ticket_id": t.ticket_id, "customer_id": t.customer_id}
        for t in world.tickets()[:TICKETS]
    ]
    path.write_text("".join(json.dumps(row) + "\n" for row in rows))
    return path


def _run_tickets(home: Path, url: str, tickets: Path, config: str, *flags: str) -> None:
    result = run_keel(
        home, url, "run", "support", "--tickets", str(tickets), "--config", config, "--json", *flags
    )
    assert result.exit_code == 0, result.output
    runs = json.loads(result.stdout)
    assert len(runs) == TICKETS and {r["status"] for r in runs} == {"COMPLETED"}


def _check(home: Path, url: str, config: str) -> tuple[int, dict]:
    result = run_keel(
        home,
        url,
        "drift",
        "check",
        "--baseline",
        "v1",
        "--config",
        config,
        "--ignore",
        "latency_ms",
        "--json",
    )
    assert result.exit_code in (0, 1), result.output
    return result.exit_code, json.loads(result.stdout)


# 25 to 40 s on SQLite (the embedding model's first load included), 7 to 16 s on PostgreSQL.
@pytest.mark.slow
def test_gate_fails_on_a_changed_agent_configuration_and_passes_unchanged(
    world_home: Path, database_url: str, built_world: World, database: Database
) -> None:
    tickets = _ticket_file(world_home, built_world)
    _run_tickets(world_home, database_url, tickets, "warm-up")
    _run_tickets(world_home, database_url, tickets, "v1", "--seed", "0")
    created = run_keel(
        world_home,
        database_url,
        "baseline",
        "create",
        "v1",
        "--workflow",
        "support",
        "--config",
        "v1",
        "--json",
    )
    assert created.exit_code == 0, created.output
    assert json.loads(created.stdout)["n_runs"] == TICKETS

    _run_tickets(world_home, database_url, tickets, "v2-k1", "--seed", "0", "--retrieval-k", "1")
    code, changed = _check(world_home, database_url, "v2-k1")
    alerting = {
        i["name"]: i["p_adjusted"] for i in changed["indicators"] if i["verdict"] == "alert"
    }
    assert code == 1 and changed["verdict"] == "alert", changed
    assert "tool_paths" in alerting and alerting["tool_paths"] < 0.01  # decisive, not borderline

    _run_tickets(world_home, database_url, tickets, "v1-again", "--seed", "7")
    code, same = _check(world_home, database_url, "v1-again")
    assert code == 0 and same["verdict"] != "alert", same
    assert same["window_runs"] == same["baseline_runs"] == TICKETS
    assert same["ignored"] == ["latency_ms"]
    assert "answer_embeddings" in {i["name"] for i in same["indicators"]}

    typo = run_keel(
        world_home, database_url, "drift", "check", "--baseline", "v1", "--ignore", "latency"
    )
    assert typo.exit_code == 2 and "unknown indicator" in typo.output
