"""`keel ingest` and `keel runs list|show` as a user reads them, in an 80-column terminal.

Each command runs as its own process (`python -m keel`), as from a shell with COLUMNS=80, on
both databases. Runs go in through `keel ingest`: an original whose model is named on the run
only, and a heal derived from it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from keel.store.engine import Database

#: Run ids as long as keel's own agents' (`support-<20 hex>`) and their heals' (`…-heal1`).
ORIGINAL = "support-0123456789abcdef0123"
HEALED = f"{ORIGINAL}-heal1"
#: gpt-4o-mini at $0.15 / $0.60 per 1M input / output tokens (keel/core/data/prices.json).
TOKENS = {"input_tokens": 1000, "output_tokens": 500}
PRICED_USD = (1000 * 0.15 + 500 * 0.60) / 1e6


def keel(
    home: Path, database_url: str, *args: str, columns: int = 80
) -> subprocess.CompletedProcess[str]:
    """Run `keel ARGS` in a process of its own, in a terminal `columns` wide."""
    env = {
        **os.environ,
        "KEEL_HOME": str(home),
        "KEEL_DATABASE_URL": database_url,
        "COLUMNS": str(columns),
    }
    return subprocess.run(
        [sys.executable, "-m", "keel", *args], env=env, capture_output=True, text=True, timeout=120
    )


def _ingest(home: Path, database_url: str, *runs: dict) -> None:
    path = home / "runs.jsonl"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(run) + "\n" for run in runs))
    done = keel(home, database_url, "ingest", str(path))
    assert done.returncode == 0, done.stderr


@pytest.fixture
def stored(database: Database, database_url: str, tmp_path: Path) -> Path:
    """KEEL_HOME of a store holding ORIGINAL (model on the run only) and its heal HEALED."""
    llm_event = {"seq": 0, "event_type": "llm", "name": "draft", **TOKENS}
    _ingest(
        tmp_path,
        database_url,
        {
            "run_id": ORIGINAL,
            "workflow_type": "support",
            "created_at": "2026-11-30T10:00:00Z",
            "model": "gpt-4o-mini",
            "events": [llm_event],
        },
        {
            "run_id": HEALED,
            "workflow_type": "support",
            "created_at": "2026-11-30T10:05:00Z",
            "model": "gpt-4o-mini",
            "status": "SELF_HEALED",
            "parent_run_id": ORIGINAL,
            "metrics": {"healed_from": ORIGINAL},
            # A cost the client states, even 0, is kept: only a missing one is priced.
            "events": [{**llm_event, "cost_usd": 0.0}],
        },
    )
    return tmp_path


def test_runs_list_shows_originals_with_heals_folded_under_them_unless_all(
    stored: Path, database_url: str
) -> None:
    listed = json.loads(keel(stored, database_url, "runs", "list", "--json").stdout)
    assert listed["show"] == "originals"
    assert [run["run_id"] for run in listed["runs"]] == [ORIGINAL]
    [derived] = listed["runs"][0]["derived"]
    assert derived["run_id"] == HEALED and derived["kind"] == "heal"

    everything = json.loads(keel(stored, database_url, "runs", "list", "--all", "--json").stdout)
    assert everything["show"] == "all"
    assert [run["run_id"] for run in everything["runs"]] == [HEALED, ORIGINAL]
    assert everything["runs"][0]["parent_run_id"] == ORIGINAL

    table = keel(stored, database_url, "runs", "list").stdout
    assert ORIGINAL in table and HEALED not in table
    assert "1 replay or heal run folded under these; --all lists it" in table


@pytest.mark.parametrize("wide", [False, True])
def test_full_run_ids_come_out_whole_at_80_columns(
    stored: Path, database_url: str, wide: bool
) -> None:
    shown = keel(stored, database_url, "runs", "list", "--all", *(["--wide"] if wide else []))
    assert shown.returncode == 0, shown.stderr
    words = shown.stdout.split()
    assert ORIGINAL in words and HEALED in words
    if wide:  # every column, past the terminal's edge rather than cut
        assert "gpt-4o-mini" in words and "SELF_HEALED" in words
    else:
        assert max(len(line) for line in shown.stdout.splitlines()) <= 80


def test_a_run_naming_its_model_only_on_the_run_is_priced_and_shown_in_significant_digits(
    stored: Path, database_url: str
) -> None:
    run = json.loads(keel(stored, database_url, "runs", "show", ORIGINAL, "--json").stdout)
    assert run["cost_usd"] == pytest.approx(PRICED_USD)  # $0.00045
    [event] = run["events"]
    assert event["model"] is None and event["payload"]["cost_source"] == "price_table"
    healed = json.loads(keel(stored, database_url, "runs", "show", HEALED, "--json").stdout)
    assert healed["cost_usd"] == 0.0

    assert "cost=$0.00045" in keel(stored, database_url, "runs", "show", ORIGINAL).stdout
    assert "$0.00045" in keel(stored, database_url, "runs", "list").stdout.split()
