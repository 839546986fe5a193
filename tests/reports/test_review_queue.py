"""The review queue report on both databases: why each run waits, read through its contract."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import update

from keel.core.records import RunRecord
from keel.core.sanitize import seal_runs
from keel.reports.review_queue import review_queue_data
from keel.store.engine import Database
from keel.store.models import Run
from keel.store.reviews import QueueFilters
from keel.store.writes import write_runs

T0 = datetime(2026, 11, 1, tzinfo=UTC)
RISK_MIN = 60.0


def store_queue(database: Database) -> None:
    asked = {"category": "TAX", "answer": "a", "needs_human_review": True}
    runs = [
        RunRecord("asks", "support", T0, output=asked),
        RunRecord("risky", "sql", T0 + timedelta(minutes=1), output={"summary": "s"}),
        RunRecord("fine", "support", T0 + timedelta(minutes=2), output={"category": "TAX"}),
    ]
    with database.write() as session:
        write_runs(session, seal_runs(runs))
        session.execute(update(Run).where(Run.run_id == "risky").values(risk=75.0))


def test_items_say_why_they_wait_oldest_first(database: Database) -> None:
    store_queue(database)
    with database.read() as session:
        page = review_queue_data(session, QueueFilters(), RISK_MIN)
    assert [(item.run.run_id, item.reasons) for item in page.items] == [
        ("asks", ["needs_human_review"]),
        ("risky", ["high_risk"]),
    ]
    asks, risky = page.items
    assert asks.output_category == "TAX" and asks.needs_human_review is True
    assert risky.output_category is None and risky.needs_human_review is None
    assert page.risk_min == RISK_MIN and page.next_cursor is None


def test_json_carries_the_decision_values_the_form_offers(database: Database) -> None:
    store_queue(database)
    with database.read() as session:
        shown = review_queue_data(session, QueueFilters(), RISK_MIN).model_dump(mode="json")
    values = shown["decision_values"]
    assert list(values) == ["support", "sql"]
    assert "TAX" in values["support"] and values["sql"] == []
    assert shown["items"][0]["run"]["run_id"] == "asks"
    assert shown["items"][0]["latest_review"] is None
