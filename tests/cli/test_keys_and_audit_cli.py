"""`keel keys ...` and `keel audit verify|list` as a user runs them, on both databases."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import select, update

from keel.auth.keys import create_key
from keel.auth.scopes import Scope, key_hash
from keel.store.engine import Database
from keel.store.models import ApiKey, AuditEntry


def keel(database_url: str, tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "KEEL_DATABASE_URL": database_url, "KEEL_HOME": str(tmp_path)}
    return subprocess.run(
        [sys.executable, "-m", "keel", *args], env=env, capture_output=True, text=True, timeout=60
    )


def test_a_key_is_shown_once_and_stored_only_hashed(
    database_url: str, database: Database, tmp_path: Path
) -> None:
    created = keel(database_url, tmp_path, "keys", "create", "--scope", "review", "--name", "ann")
    assert created.returncode == 0, created.stderr
    key = created.stdout.strip().splitlines()[-1]
    assert key.startswith("keel_")
    listed = keel(database_url, tmp_path, "keys", "list", "--json")
    rows = json.loads(listed.stdout)
    assert [(row["name"], row["scope"], row["revoked_at"]) for row in rows] == [
        ("ann", "review", None)
    ]
    assert key not in listed.stdout
    with database.read() as session:
        stored = session.scalars(select(ApiKey)).one()
    assert stored.key_hash == key_hash(key)
    assert key not in " ".join(str(value) for value in stored.__dict__.values())
    revoked = keel(database_url, tmp_path, "keys", "revoke", rows[0]["key_id"])
    assert revoked.returncode == 0, revoked.stderr
    again = keel(database_url, tmp_path, "keys", "revoke", rows[0]["key_id"])
    assert again.returncode == 2 and "already revoked" in again.stderr


def test_audit_verify_passes_untouched_and_names_an_edited_entry(
    database_url: str, database: Database, tmp_path: Path
) -> None:
    with database.write() as session:
        for name in ("a", "b", "c"):
            create_key(session, Scope.READ, name, "test")
    ok = keel(database_url, tmp_path, "audit", "verify", "--json")
    assert ok.returncode == 0, ok.stderr
    assert json.loads(ok.stdout)["checked"] == 3
    listed = json.loads(keel(database_url, tmp_path, "audit", "list", "--json").stdout)
    assert [row["action"] for row in listed] == ["key.created"] * 3
    with database.write() as session:
        session.execute(update(AuditEntry).where(AuditEntry.seq == 2).values(actor="mallory"))
    broken = keel(database_url, tmp_path, "audit", "verify")
    assert broken.returncode == 1
    assert "broken at entry 2" in broken.stderr
