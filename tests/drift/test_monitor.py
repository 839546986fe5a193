"""The periodic drift check that `keel serve` can run: alerts once per window, never fatal."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from keel.drift.baseline import create_baseline
from keel.drift.check import Window, check_drift
from keel.drift.monitor import MonitorPlan, check_once
from keel.drift.simulation import Shift
from keel.models.embeddings import DEFAULT_EMBEDDER
from keel.store.drift import PopulationFilter
from keel.store.engine import Database
from keel.store.models import Alert, utcnow
from tests.drift.seeding import START, seed


def test_periodic_check_alerts_once_and_survives_a_missing_baseline(database: Database) -> None:
    seed(database, "base", 120, seed=1, day=0)
    with database.write() as session:
        create_baseline(session, "v1", PopulationFilter("support", until=START + timedelta(days=5)))
    recent_day = (utcnow() - START).days
    seed(database, "now", 120, seed=2, day=recent_day, shift=Shift("category_mix", 1.0))
    plan = MonitorPlan(
        ("v1", "missing"), interval_s=60, window=timedelta(days=2), embedder=DEFAULT_EMBEDDER
    )

    first = check_once(database, plan)
    second = check_once(database, plan)

    assert [check.baseline.name for check in first] == ["v1"]
    assert str(first[0].report.verdict) == "alert"
    assert first[0].new_alerts and not second[0].new_alerts
    with database.read() as session:
        stored = session.scalar(select(func.count()).select_from(Alert))
    assert stored == len(first[0].new_alerts)


def test_a_check_re_run_with_its_window_slid_an_hour_adds_no_alert_rows(
    database: Database,
) -> None:
    seed(database, "base", 120, seed=1, day=0)
    seed(database, "now", 120, seed=2, day=10, shift=Shift("category_mix", 1.0))
    with database.write() as session:
        create_baseline(session, "v1", PopulationFilter("support", until=START + timedelta(days=5)))
    since = START + timedelta(days=9, minutes=30)
    with database.write() as session:
        first = check_drift(session, "v1", Window(since=since))
    with database.write() as session:
        later = check_drift(session, "v1", Window(since=since + timedelta(hours=1)))
        stored = session.scalar(select(func.count()).select_from(Alert))
    assert first.new_alerts and str(later.report.verdict) == "alert"
    assert later.new_alerts == [] and stored == len(first.new_alerts)
