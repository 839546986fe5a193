"""Other features record their state changes in the audit log, in the same transaction:
baselines created and drift alerts raised (replays and heals are checked in their own tests)."""

from __future__ import annotations

import json
from datetime import timedelta

from sqlalchemy import select

from keel.drift.baseline import PopulationFilter, create_baseline
from keel.drift.check import Window, check_drift
from keel.drift.simulation import Shift
from keel.govern import audit
from keel.store.engine import Database
from keel.store.models import AuditEntry
from tests.drift.seeding import START, seed


def entries(database: Database, action: str) -> list[AuditEntry]:
    with database.read() as session:
        query = select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.seq)
        return list(session.scalars(query))


def test_baselines_and_drift_alerts_are_audited(database: Database) -> None:
    seed(database, "base", 120, seed=1, day=0)
    with database.write() as session:
        create_baseline(
            session,
            "v1",
            PopulationFilter("support", until=START + timedelta(days=1)),
            actor="cli:ann",
        )
    seed(database, "moved", 120, seed=3, day=30, shift=Shift("category_mix", 1.0))
    with database.write() as session:
        alerts = check_drift(session, "v1", Window(since=START + timedelta(days=29))).new_alerts
    with database.write() as session:
        again = check_drift(session, "v1", Window(since=START + timedelta(days=29))).new_alerts
    [created] = entries(database, "baseline.created")
    assert (created.subject, created.actor) == ("baseline:v1", "cli:ann")
    assert json.loads(created.details)["n_runs"] == 120
    raised = entries(database, "alert.raised")
    assert alerts and again == []  # a window checked twice raises its alerts once
    assert [json.loads(e.details)["alert_id"] for e in raised] == [a.id for a in alerts]
    with database.read() as session:
        assert audit.verify(session).ok
