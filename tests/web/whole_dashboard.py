"""One keel holding something for every page, for the tests that walk all of them (axe, dark mode).

The dashboard's runs (tests.web.dashboard_runs), a finished replay set of the user's agent, two
profiled configurations (Reliability) and a drift alert, in one SQLite file behind one server.
"""

from __future__ import annotations

from datetime import timedelta

from keel.drift.baseline import create_baseline
from keel.drift.check import Window, check_drift
from keel.drift.simulation import Shift
from keel.store.drift import PopulationFilter
from keel.store.engine import Database
from tests.drift import seeding as drift_seeding
from tests.web.dashboard_runs import OTLP_RUN_ID, TAX_RUN_ID
from tests.web.dashboard_runs import seed as seed_runs
from tests.web.reliability_runs import seed_configs
from tests.web.replay_sets import replayed_set, user_run


def _drift_alert(database: Database) -> int:
    """Store a baseline, a shifted later window and the check's alerts; return the first's id."""
    drift_seeding.seed(database, "base", 60, seed=1, day=0)
    with database.write() as session:
        window_end = drift_seeding.START + timedelta(days=5)
        create_baseline(session, "v1", PopulationFilter("support", until=window_end))
    drift_seeding.seed(database, "moved", 60, seed=3, day=40, shift=Shift("category_mix", 1.0))
    with database.write() as session:
        check = check_drift(session, "v1", Window(since=drift_seeding.START + timedelta(days=39)))
        assert check.new_alerts, "the shifted window raised no alert"
        return check.new_alerts[0].id


def seed_pages(base_url: str, database: Database) -> dict[str, str]:
    """Store data for every page and return each page's name and path."""
    seed_runs(base_url, database)
    run_id = user_run(database)
    set_id = replayed_set(database, run_id)
    seed_configs(database)
    alert_id = _drift_alert(database)
    return {
        "runs": "/",
        "run-detail": f"/runs/{TAX_RUN_ID}",
        "run-detail-otlp": f"/runs/{OTLP_RUN_ID}",
        "replay-comparison": f"/replays/{set_id}",
        "overview": "/overview",
        "reliability": "/reliability?workflow=triage",
        "review": "/review",
        "audit": "/audit",
        "alert": f"/alerts/{alert_id}",
        "baseline": f"/runs/{TAX_RUN_ID}/baseline",
        "item": "/items/triage/case-00",
    }
