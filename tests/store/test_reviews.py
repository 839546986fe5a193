"""The review queue's `needs_human_review` reason reads each workflow's review flag, on both
databases: the registered contract's, else the one its runs declared, else none."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from keel.core.records import DECLARED_CONTRACT_KEY, RunRecord
from keel.core.sanitize import seal_runs
from keel.evaluate.contract import OutputContract
from keel.govern.review import review_flags
from keel.store.engine import Database
from keel.store.reviews import QueueFilters, review_queue
from keel.store.writes import write_runs

START = datetime(2026, 11, 1, 9, tzinfo=UTC)
DECLARES_ASK = {DECLARED_CONTRACT_KEY: OutputContract(review_flag="ask").as_dict()}


def store(database: Database, *runs: tuple[str, str, dict[str, Any], dict[str, Any]]) -> None:
    records = [
        RunRecord(run_id, workflow, START + timedelta(minutes=i), inputs=inputs, output=output)
        for i, (run_id, workflow, output, inputs) in enumerate(runs)
    ]
    with database.write() as session:
        write_runs(session, seal_runs(records))


def asking(database: Database) -> list[str]:
    filters = QueueFilters(reason="needs_human_review", state="all")
    with database.read() as session:
        items, _ = review_queue(session, filters, 100.0, review_flags())
    return [item.run.run_id for item in items]


def test_each_workflow_asks_for_a_person_through_its_own_flag(
    database: Database, test_contracts: dict[str, OutputContract]
) -> None:
    store(
        database,
        ("loan-asks", "loans", {"grade": "C", "escalate": True}, {}),
        ("loan-calm", "loans", {"grade": "A", "escalate": False}, {}),
        ("loan-other-field", "loans", {"grade": "B", "needs_human_review": True}, {}),
        ("quiet-has-no-flag", "quiet", {"needs_human_review": True}, {}),
        ("support-asks", "support", {"category": "TAX", "needs_human_review": True}, {}),
        ("byo-asks", "byo", {"ask": True}, DECLARES_ASK),
        ("byo-says-true", "byo", {"ask": "true"}, DECLARES_ASK),
        ("byo-undeclared", "byo", {"needs_human_review": True}, {}),
    )
    assert asking(database) == ["loan-asks", "support-asks", "byo-asks"]


def test_a_registered_contract_overrides_what_runs_declare(
    database: Database, test_contracts: dict[str, OutputContract]
) -> None:
    store(database, ("quiet-declares", "quiet", {"ask": True}, DECLARES_ASK))
    assert asking(database) == []
