"""`keel policy`, `keel review` and `keel audit export` as a user runs them, on both databases."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import delete

from keel.auth.keys import Principal
from keel.core.records import RunRecord, ToolCallRecord
from keel.govern import tool_policies
from keel.govern.review import parse_review, record_review
from keel.ingest.storing import store_runs
from keel.store.engine import Database
from keel.store.models import AuditEntry, utcnow


def keel(database_url: str, tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "KEEL_DATABASE_URL": database_url, "KEEL_HOME": str(tmp_path)}
    return subprocess.run(
        [sys.executable, "-m", "keel", *args], env=env, capture_output=True, text=True, timeout=90
    )


def seed(database: Database) -> None:
    """Two runs (one breaking the support policy), one reviewed."""
    calls = [ToolCallRecord("shell.exec", "0" * 64, '{"cmd":"ls"}', seq=0)]
    runs = [
        RunRecord("r1", "support", utcnow(), output={"category": "TAX"}, tool_calls=calls),
        RunRecord("r2", "support", utcnow(), output={"category": "GENERAL"}),
    ]
    with database.write() as session:
        store_runs(session, runs, "test", "test")
        decision = parse_review({"decision": "override", "category": "SECURITY", "reason": "pin"})
        record_review(session, "r1", decision, Principal("k1", "ann", None))


def test_a_bad_policy_file_is_refused_naming_file_line_and_field(
    database_url: str, database: Database, tmp_path: Path
) -> None:
    bad = tmp_path / "support.toml"
    bad.write_text('workflow_type = "support"\nversion = "2"\n[limits]\nmax_cost_usd = "cheap"\n')
    result = keel(database_url, tmp_path, "policy", "load", str(bad))
    assert result.returncode == 2
    assert f"{bad}:4: limits.max_cost_usd" in " ".join(result.stderr.split())
    with database.read() as session:
        assert tool_policies.effective_policies(session)["support"].origin == "built-in"


def test_policy_load_then_list_shows_it_in_force(
    database_url: str, database: Database, tmp_path: Path
) -> None:
    good = tmp_path / "support.toml"
    good.write_text('workflow_type = "support"\nversion = "2"\nallowed_tools = ["kb.*"]\n')
    loaded = keel(database_url, tmp_path, "policy", "load", str(good), "--json")
    assert json.loads(loaded.stdout) == [{"workflow_type": "support", "version": "2", "new": True}]
    listed = json.loads(keel(database_url, tmp_path, "policy", "list", "--json").stdout)
    support = next(row for row in listed if row["workflow_type"] == "support")
    assert (support["version"], support["origin"]) == ("2", str(good))


def test_review_labels_give_the_confirmed_category(
    database_url: str, database: Database, tmp_path: Path
) -> None:
    seed(database)
    labels = json.loads(keel(database_url, tmp_path, "review", "labels", "--json").stdout)
    assert [(x["run_id"], x["category"], x["original_category"]) for x in labels] == [
        ("r1", "SECURITY", "TAX")
    ]


def test_audit_export_holds_runs_flags_decisions_and_hashes(
    database_url: str, database: Database, tmp_path: Path
) -> None:
    seed(database)
    out = tmp_path / "extract.jsonl"
    result = keel(
        database_url, tmp_path, "audit", "export", "--format", "jsonl", "--output", str(out)
    )
    assert result.returncode == 0, result.stderr
    header, *entries = [json.loads(line) for line in out.read_text().splitlines()]
    assert header["record"] == "extract" and header["chain"]["ok"] is True
    assert header["chain"]["head_hash"] == entries[-1]["entry_hash"]
    by_action = {(e["action"], e["subject"]): e for e in entries}
    flagged = by_action[("run.flagged", "run:r1")]["run"]
    tool_flags = [f["rule_id"] for f in flagged["flags"] if f["source"] == "tool_policy"]
    assert tool_flags == ["tool.not_allowed"]
    assert flagged["confirmed_category"] == "SECURITY"
    assert [r["reviewer"] for r in flagged["reviews"]] == ["ann"]
    assert ("run.ingested", "run:r2") in by_action
    as_csv = keel(database_url, tmp_path, "audit", "export", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(as_csv.stdout)))
    assert [row["entry_hash"] for row in rows] == [e["entry_hash"] for e in entries]
    assert all("tool.not_allowed:high" in row["flags"] for row in rows if row["run_id"] == "r1")
    with database.write() as session:
        session.execute(delete(AuditEntry).where(AuditEntry.seq == 2))
    broken = keel(database_url, tmp_path, "audit", "export", "--output", str(out))
    assert broken.returncode == 1 and "BROKEN at entry 2" in broken.stderr


def test_review_list_sorts_by_risk_and_shows_flags_and_decided_category(
    database_url: str, database: Database, tmp_path: Path
) -> None:
    seed(database)
    listed = keel(
        database_url, tmp_path, "review", "list", "--state", "all", "--sort", "risk", "--json"
    )
    assert listed.returncode == 0, listed.stderr
    rows = json.loads(listed.stdout)
    risks = [row["risk"] if row["risk"] is not None else -1 for row in rows]
    assert risks == sorted(risks, reverse=True)
    r1 = next(row for row in rows if row["run_id"] == "r1")
    assert r1["decided_category"] == "SECURITY"
    assert any(flag.startswith("tool.") or "shell" in flag for flag in r1["flags"]), r1["flags"]
    bad = keel(database_url, tmp_path, "review", "list", "--sort", "loudest")
    assert bad.returncode == 2 and "sort must be one of oldest, newest, risk" in bad.stderr
