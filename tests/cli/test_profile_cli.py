"""`keel profile`: two configurations side by side, and `--fail-on` as a CI gate."""

from __future__ import annotations

import json
from pathlib import Path

from keel.store.engine import Database
from tests.cli.test_run_cli import run_keel
from tests.web.reliability_runs import seed_configs


def test_the_worse_configuration_is_marked_and_fails_the_gate(
    tmp_path: Path, database_url: str, database: Database
) -> None:
    seed_configs(database)
    args = ("profile", "--workflow", "triage", "--config", "good", "--vs", "bad", "--sample", "0")
    shown = run_keel(tmp_path, database_url, *args)
    assert shown.exit_code == 0, shown.output
    assert "▼ worse" in shown.stdout and "outcome_agreement" in shown.stdout
    # at 80 columns, the longest metric names still come out whole (they were cut with "…")
    assert "trajectory_distributional" in shown.stdout and "outcome_consistency" in shown.stdout
    gated = run_keel(tmp_path, database_url, *args, "--fail-on", "capability", "--json")
    assert gated.exit_code == 1, gated.output
    body = json.loads(gated.stdout)
    assert body["failing"] == ["accuracy", "exact_match"]
    assert body["paired_items"] == 24
    safety = run_keel(tmp_path, database_url, *args, "--fail-on", "safety", "--json")
    assert safety.exit_code == 0, safety.output


def test_runs_no_replay_keel_cannot_run_and_says_so(
    tmp_path: Path, database_url: str, database: Database
) -> None:
    seed_configs(database)
    found = run_keel(
        tmp_path, database_url, "profile", "--workflow", "triage", "--config", "good", "--json"
    )
    assert found.exit_code == 0, found.output
    skipped = json.loads(found.stdout)["top_up"]["good"]["skipped"]
    assert len(skipped) == 10 and all("cannot be replayed" in why for why in skipped.values())


def test_fail_on_without_a_comparison_is_refused(tmp_path: Path, database_url: str) -> None:
    found = run_keel(tmp_path, database_url, "profile", "--workflow", "triage", "--fail-on", "any")
    assert found.exit_code == 2 and "--vs" in found.stderr


def test_a_fail_on_naming_nothing_known_is_refused(tmp_path: Path, database_url: str) -> None:
    args = ("profile", "--workflow", "triage", "--vs", "b", "--fail-on", "consistancy")
    found = run_keel(tmp_path, database_url, *args)
    assert found.exit_code == 2 and "consistancy" in found.stderr
