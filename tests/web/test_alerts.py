"""An alert's page and its JSON twin: what moved, by how much, how sure, what is behind it."""

from __future__ import annotations

from datetime import timedelta

from keel.drift.baseline import create_baseline
from keel.drift.check import Window, check_drift, check_regression
from keel.drift.simulation import Shift
from keel.store.drift import PopulationFilter
from keel.store.engine import Database
from tests.conftest import ApiClient
from tests.drift.seeding import START, seed
from tests.drift.test_regression import T0, store


def _drift_alert(database: Database) -> int:
    seed(database, "base", 150, seed=1, day=0)
    with database.write() as session:
        create_baseline(session, "v1", PopulationFilter("support", until=START + timedelta(days=5)))
    seed(database, "moved", 150, seed=3, day=30, shift=Shift("category_mix", 1.0))
    with database.write() as session:
        check = check_drift(session, "v1", Window(since=START + timedelta(days=25)))
        mix = next(a for a in check.new_alerts if a.indicator == "category_mix")
        return mix.id


def test_a_drift_alert_shows_its_test_the_values_it_compared_and_the_window(
    api: ApiClient, database: Database
) -> None:
    alert_id = _drift_alert(database)
    body = api.get(f"/api/v1/alerts/{alert_id}").json()
    figures = body["figures"]
    assert figures["effect_name"] == "js_distance"
    assert figures["effect_size"] >= figures["alert_at"] > figures["warn_at"]
    compared = {row["name"]: row for row in body["compared"]}
    assert compared["n"] == {"name": "n", "baseline": 150, "window": 150}
    shares = [row for name, row in compared.items() if name.startswith("share ")]
    assert abs(sum(row["baseline"] for row in shares) - 1.0) < 1e-9
    assert any(abs(row["baseline"] - row["window"]) > 0.1 for row in shares)  # the shift
    assert [(c["config"], c["runs"]) for c in body["configs"]] == [(None, 150)]  # window's only
    assert body["runs_url"].startswith("/?workflow_type=support&since=2026-10-26")
    assert body["command"].startswith("keel drift check --baseline v1 --since 2026-10-26")
    listed = api.get(body["runs_url"].replace("/?", "/api/v1/runs?") + "&limit=500").json()
    assert len(listed["runs"]) == 150 and all(
        r["run_id"].startswith("moved-") for r in listed["runs"]
    )

    page = api.get(f"/alerts/{alert_id}")
    assert page.status_code == 200
    assert "js_distance" in page.text and "Benjamini" in page.text
    assert 'id="alert-values"' in page.text and "share TAX" in page.text
    overview = api.get("/overview").text
    assert f'href="/alerts/{alert_id}"' in overview and "js_distance" in overview


def test_a_regression_alert_lists_each_flip_with_both_runs(
    api: ApiClient, database: Database
) -> None:
    store(database, "v1", "v1", ["TAX"] * 10, day=0)
    with database.write() as session:
        create_baseline(session, "b", PopulationFilter("support", config="v1"))
    store(database, "v2", "v2", ["TAX"] * 7 + ["WITHDRAWAL"] * 3, day=5)
    with database.write() as session:
        (alert,) = check_regression(
            session, "b", Window(T0 + timedelta(days=1), config="v2")
        ).new_alerts
        alert_id = alert.id
    body = api.get(f"/api/v1/alerts/{alert_id}").json()
    regression = body["regression"]
    assert regression["compared"] == 10 and regression["flips"] == 3
    flipped = {c["item"]: c for c in regression["changes"]}
    assert set(flipped) == {"t7", "t8", "t9"}
    assert flipped["t7"]["decision"] == ["TAX", "WITHDRAWAL"]
    assert (flipped["t7"]["baseline_run_id"], flipped["t7"]["new_run_id"]) == ("v1-7", "v2-7")
    assert body["command"] == "keel drift regress --baseline b --config v2"
    (v2,) = body["configs"]
    assert v2["config"] == "v2" and "config=v2" in v2["runs_url"]
    listed = api.get(v2["runs_url"].replace("/?", "/api/v1/runs?")).json()["runs"]
    assert sorted(r["run_id"] for r in listed) == [f"v2-{i}" for i in range(10)]
    page = api.get(f"/alerts/{alert_id}").text
    assert 'id="alert-changes"' in page and 'href="/runs/v2-7"' in page and "WITHDRAWAL" in page


def test_an_unknown_alert_is_a_404_naming_the_field(api: ApiClient, database: Database) -> None:
    missing = api.get("/api/v1/alerts/999999")
    assert missing.status_code == 404 and "alert_id" in missing.text
    assert api.get("/api/v1/alerts/nope").status_code == 422
    assert api.get("/alerts/999999").status_code == 404
