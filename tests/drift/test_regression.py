"""Item-by-item regression: decision flips, stability below the interval, new flags."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import update

from keel.core.errors import InvalidInput
from keel.core.records import RunRecord
from keel.core.sanitize import seal_runs
from keel.drift.baseline import create_baseline
from keel.drift.check import Window, check_regression
from keel.drift.regression import compare_items
from keel.evaluate.contract import OutputContract
from keel.store.drift import DriftFacts, PopulationFilter
from keel.store.engine import Database
from keel.store.models import Run
from keel.store.writes import write_runs

T0 = datetime(2026, 10, 1, tzinfo=UTC)


def facts(
    run_id: str,
    ticket: str,
    category: str,
    stability: float | None = None,
    flags: tuple[str, ...] = (),
) -> DriftFacts:
    return DriftFacts(
        run_id, T0, category, "a", stability, 0.0, 0, None, [], [], list(flags), ticket
    )


def test_flips_drops_and_new_flags_are_found_per_item() -> None:
    before = {
        "t1": facts("b1", "t1", "TAX", 90),
        "t2": facts("b2", "t2", "TAX", 90),
        "t3": facts("b3", "t3", "WITHDRAWAL"),
    }
    after = {
        "t1": facts("a1", "t1", "WITHDRAWAL", 88),
        "t2": facts("a2", "t2", "TAX", 60),
        "t3": facts("a3", "t3", "WITHDRAWAL", flags=("tax.no_disclaimer",)),
    }
    report = compare_items(before, after, {"b1": (85.0, 95.0), "b2": (80.0, 97.0)})
    by_item = {change.item: change for change in report.changes}
    assert by_item["t1"].decision == ("TAX", "WITHDRAWAL") and by_item["t1"].stability is None
    assert by_item["t2"].stability == (90, 60, 80.0)
    assert by_item["t3"].new_flags == ["tax.no_disclaimer"]
    assert report.regressed and report.flips == 1


def store(database: Database, prefix: str, config: str, categories: list[str], day: int) -> None:
    start = T0 + timedelta(days=day)
    runs = [
        RunRecord(
            run_id=f"{prefix}-{i}",
            workflow_type="support",
            created_at=start + timedelta(minutes=i),
            inputs={"ticket_id": f"t{i}"},
            output={"category": c, "answer": "a"},
            metrics={"config": config},
        )
        for i, c in enumerate(categories)
    ]
    with database.write() as session:
        write_runs(session, seal_runs(runs))


def test_rerun_under_a_new_config_alerts_once(database: Database) -> None:
    store(database, "v1", "v1", ["TAX"] * 10, day=0)
    with database.write() as session:
        create_baseline(session, "b", PopulationFilter("support", config="v1"))
    store(database, "same", "v1-again", ["TAX"] * 10, day=3)
    store(database, "v2", "v2", ["TAX"] * 7 + ["WITHDRAWAL"] * 3, day=5)
    with database.write() as session:
        since = T0 + timedelta(days=1)
        unchanged = check_regression(session, "b", Window(since, config="v1-again"))
        changed = check_regression(session, "b", Window(since, config="v2"))
        again = check_regression(session, "b", Window(since, config="v2"))
    assert not unchanged.report.regressed and unchanged.report.compared == 10
    assert changed.report.regressed and changed.report.flips == 3
    assert len(changed.new_alerts) == 1 and again.new_alerts == []


def store_loans(database: Database, prefix: str, grades: list[str], day: int) -> None:
    start = T0 + timedelta(days=day)
    runs = [
        RunRecord(
            run_id=f"{prefix}-{i}",
            workflow_type="loans",
            created_at=start + timedelta(minutes=i),
            # `category` and `ticket_id` are decoys: the contract names `grade` and the applicant.
            inputs={"applicant_id": f"ap-{i}", "ticket_id": "same"},
            output={"grade": g, "category": "TAX", "memo": "m"},
            metrics={"config": prefix},
        )
        for i, g in enumerate(grades)
    ]
    with database.write() as session:
        write_runs(session, seal_runs(runs))


def test_items_and_decisions_are_the_registered_contracts(
    database: Database, test_contracts: dict[str, OutputContract]
) -> None:
    store_loans(database, "v1", ["A"] * 10, day=0)
    with database.write() as session:
        baseline = create_baseline(session, "loans-v1", PopulationFilter("loans", config="v1"))
        assert baseline.run_ids["item_ids"] == sorted(f"ap-{i}" for i in range(10))
    store_loans(database, "v2", ["A"] * 6 + ["C"] * 4, day=3)
    with database.write() as session:
        report = check_regression(session, "loans-v1", Window(T0 + timedelta(days=1), config="v2"))
    assert report.report.compared == 10 and report.report.flips == 4
    assert {change.decision for change in report.report.changes if change.changed} == {("A", "C")}


def test_a_workflow_without_an_item_key_cannot_be_compared_item_by_item(
    database: Database,
) -> None:
    store(database, "v1", "v1", ["TAX"] * 3, day=0)
    with database.write() as session:
        session.execute(update(Run).values(workflow_type="byo"))
        create_baseline(session, "byo-v1", PopulationFilter("byo"))
        with pytest.raises(InvalidInput, match="names no item key"):
            check_regression(session, "byo-v1", Window(T0))
