"""`keel redact` masks rows stored in clear before keel redacted every field, on both databases,
and a second run changes nothing."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import insert, select, update

from keel.core.sanitize import Sanitizer
from keel.store.engine import Database
from keel.store.models import Event, Run, ToolCall
from keel.store.profile_facts import FACT_COLUMNS, no_facts
from keel.store.redact import redact_stored
from tests.cli.test_run_cli import run_keel

CARD = "4532 7777 7777 7774"
KEY = "sk-proj-Qx7vLm2NpR8sT4wY6zA1bC3dE5fG9hJ0"


def store_in_clear(database: Database) -> None:
    """Rows as an older keel (or a write that skipped the sanitiser) left them."""
    now = datetime(2024, 5, 1, tzinfo=UTC)
    with database.write() as session:
        session.execute(
            insert(Run).values(
                run_id="old-run",
                workflow_type="support",
                created_at=now,
                error=f"card {CARD} declined",
                inputs={"password": "hunter2", "text": f"my key is {KEY}"},
                output={"answer": "ok"},
                metrics={"note": f"Bearer {KEY}"},
            )
        )
        session.execute(
            insert(Event).values(
                run_id="old-run", seq=0, event_type="llm", payload={"ssn": "536-22-8142"}
            )
        )
        session.execute(
            insert(ToolCall).values(
                run_id="old-run",
                seq=0,
                tool_name="pay",
                args_digest="0" * 64,
                args_preview='{"card":4532777777777774}',
                result_meta={"preview": "pwd=Zx81Qw"},
                error=f"failed for {CARD}",
            )
        )


def dump(database: Database) -> str:
    with database.read() as session:
        rows = [
            *session.execute(select(Run.error, Run.inputs, Run.metrics)).all(),
            *session.execute(select(Event.payload)).all(),
            *session.execute(select(ToolCall.args_preview, ToolCall.result_meta, ToolCall.error)),
        ]
    return json.dumps([list(row) for row in rows], default=str)


def test_stored_secrets_are_masked_and_a_second_pass_changes_nothing(database: Database) -> None:
    store_in_clear(database)
    changed = redact_stored(database, Sanitizer(), batch_rows=1)
    assert changed["runs"] == 1 and changed["events"] == 1 and changed["tool_calls"] == 1
    stored = dump(database)
    for secret in ("4532 7777", "4532777777777774", "hunter2", "Qx7vLm2", "536-22", "Zx81Qw"):
        assert secret not in stored
    with database.read() as session:
        preview = session.scalars(select(ToolCall.args_preview)).one()
    assert json.loads(preview) == {"card": "[CARD ****7774]"}
    assert set(redact_stored(database, Sanitizer()).values()) == {0}


def test_keel_redact_command_reports_what_it_rewrote(
    database: Database, database_url: str, tmp_path: Path
) -> None:
    store_in_clear(database)
    first = run_keel(tmp_path, database_url, "redact", "--json")
    assert first.exit_code == 0, first.output
    assert json.loads(first.stdout)["runs"] == 1
    again = run_keel(tmp_path, database_url, "redact", "--json")
    assert set(json.loads(again.stdout).values()) == {0}


def test_a_rewritten_run_keeps_no_copy_of_its_values_in_its_profile_facts(
    database: Database,
) -> None:
    store_in_clear(database)
    with database.write() as session:  # facts as the write path judged the clear values
        session.execute(
            update(Run)
            .where(Run.run_id == "old-run")
            .values(profile_read_by="[null, null, null]", profile_item=f"ticket of {CARD}")
        )
    redact_stored(database, Sanitizer())
    with database.read() as session:
        facts = session.execute(select(*(getattr(Run, c) for c in FACT_COLUMNS))).one()
    # Cleared: the profile reads the masked JSON instead, and the clear item is gone.
    assert tuple(facts) == tuple(no_facts().values())
