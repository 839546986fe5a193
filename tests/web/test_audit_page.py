"""The Audit page and its JSON twin: entries newest first, paged, the chain's verify status as
`keel audit verify` computes it, and downloads identical to `keel audit export`. Both databases."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import update

from keel.store.engine import Database
from keel.store.models import AuditEntry
from tests.conftest import ApiClient


def keel(database_url: str, home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "KEEL_DATABASE_URL": database_url, "KEEL_HOME": str(home)}
    return subprocess.run(
        [sys.executable, "-m", "keel", *args], env=env, capture_output=True, text=True, timeout=90
    )


def seed(api: ApiClient) -> None:
    runs = [{"run_id": f"a{i}", "workflow_type": "support", "status": "UNSTABLE"} for i in range(5)]
    api.post("/api/v1/runs:batch", json={"runs": runs}).raise_for_status()
    decision = {"decision": "approve", "reason": "fine as it is"}
    api.post("/api/v1/runs/a1/reviews", json=decision).raise_for_status()


def without_generated_at(text: str) -> list[dict[str, object]]:
    records = [json.loads(line) for line in text.splitlines()]
    records[0].pop("generated_at")
    return records


def test_the_log_pages_newest_first_with_a_count_and_verify_status(api: ApiClient) -> None:
    seed(api)
    first = api.get("/api/v1/audit/log", params={"limit": 2}).json()
    total = first["total"]
    assert total >= 6 and first["verification"]["ok"] is True
    assert first["verification"]["checked"] == total
    seqs, cursor = [e["seq"] for e in first["entries"]], first["next_cursor"]
    while cursor:
        page = api.get("/api/v1/audit/log", params={"limit": 2, "cursor": cursor}).json()
        seqs += [e["seq"] for e in page["entries"]]
        cursor = page["next_cursor"]
    assert seqs == list(range(total, 0, -1))
    reviewed = api.get("/api/v1/audit/log", params={"action": "review.recorded"}).json()
    assert reviewed["total"] == 1 and reviewed["entries"][0]["subject"] == "run:a1"
    assert reviewed["entries"][0]["actor"] == "anonymous"
    assert "review.recorded" in reviewed["actions"]
    html = api.get("/audit", headers={"accept": "text/html"}).text
    assert f"Chain intact: {total} entries verified" in html
    assert 'recorded in the audit log as <strong>"anonymous"</strong>' in html
    assert f"{total} entries." in html and "review.recorded" in html


def test_an_edited_entry_shows_as_broken(api: ApiClient, database: Database) -> None:
    seed(api)
    with database.write() as session:
        session.execute(update(AuditEntry).where(AuditEntry.seq == 2).values(actor="mallory"))
    check = api.get("/api/v1/audit/log").json()["verification"]
    assert check["ok"] is False and check["broken_seq"] == 2
    html = api.get("/audit", headers={"accept": "text/html"}).text
    assert "Chain BROKEN at entry 2" in html
    export = api.get("/api/v1/audit/export")
    assert export.headers["x-keel-audit-chain"] == "broken at 2"


def test_bad_audit_input_is_a_4xx_naming_the_field(api: ApiClient) -> None:
    for params, field in [
        ({"cursor": "x"}, "cursor"),
        ({"cursor": "0"}, "cursor"),
        ({"limit": 0}, "limit"),
    ]:
        response = api.get("/api/v1/audit/log", params=params)
        assert response.status_code == 422, response.text
        assert response.json()["error"]["field"] == field
    bad = api.get("/api/v1/audit/export", params={"format": "xml"})
    assert bad.status_code == 422 and bad.json()["error"]["field"] == "format"
    late = api.get("/api/v1/audit/export", params={"since": "yesterday"})
    assert late.status_code == 422 and late.json()["error"]["field"] == "since"
    page = api.get("/audit", params={"cursor": "x"}, headers={"accept": "text/html"})
    assert page.status_code == 422 and "cursor" in page.text


def test_downloads_are_what_keel_audit_export_writes_and_verify_accepts(
    api: ApiClient, database_url: str, tmp_path: Path
) -> None:
    seed(api)
    jsonl = api.get("/api/v1/audit/export", params={"format": "jsonl"})
    assert jsonl.status_code == 200 and jsonl.headers["x-keel-audit-chain"] == "intact"
    assert "attachment" in jsonl.headers["content-disposition"]
    cli = keel(database_url, tmp_path, "audit", "export", "--format", "jsonl")
    assert cli.returncode == 0, cli.stderr
    assert without_generated_at(jsonl.text) == without_generated_at(cli.stdout)
    csv = api.get("/api/v1/audit/export", params={"format": "csv"})
    cli_csv = keel(database_url, tmp_path, "audit", "export", "--format", "csv")
    assert csv.text == cli_csv.stdout and csv.headers["content-type"].startswith("text/csv")
    exported = tmp_path / "keel-audit.jsonl"
    exported.write_text(jsonl.text, encoding="utf-8")
    ok = keel(database_url, tmp_path, "audit", "verify", "--file", str(exported), "--json")
    assert ok.returncode == 0, ok.stderr
    assert json.loads(ok.stdout)["checked"] == len(jsonl.text.splitlines()) - 1
    lines = jsonl.text.splitlines()
    tampered = json.loads(lines[3])
    tampered["actor"] = "mallory"
    lines[3] = json.dumps(tampered)
    exported.write_text("\n".join(lines) + "\n", encoding="utf-8")
    broken = keel(database_url, tmp_path, "audit", "verify", "--file", str(exported))
    assert broken.returncode == 1 and "entry 3 was modified" in broken.stderr
    exported.write_text("\n".join(lines[:1] + lines[2:]) + "\n", encoding="utf-8")
    cut = keel(database_url, tmp_path, "audit", "verify", "--file", str(exported))
    assert cut.returncode == 1 and "header counts" in cut.stderr
