"""Compare to Baseline over HTTP on both databases: the page, its JSON twin, empty and 404."""

from __future__ import annotations

from keel.drift.baseline import create_baseline
from keel.store.drift import PopulationFilter
from keel.store.engine import Database
from tests.conftest import ApiClient
from tests.drift.seeding import seed

HTML = {"accept": "text/html"}


def test_a_run_is_placed_in_its_workflows_newest_baseline(
    api: ApiClient, database: Database
) -> None:
    seed(database, "base", 40, seed=1, day=0)
    seed(database, "late", 5, seed=2, day=10)
    with database.write() as session:
        create_baseline(session, "older", PopulationFilter("support", run_ids=("base-000",)))
        create_baseline(
            session,
            "month",
            PopulationFilter("support", run_ids=tuple(f"base-{i:03d}" for i in range(40))),
        )
    twin = api.get("/api/v1/runs/late-000/baseline").json()
    assert twin["baseline"]["name"] == "month" and twin["baseline"]["n_runs"] == 40
    assert sorted(twin["baselines"]) == ["month", "older"]
    comparison = twin["comparison"]
    assert 0.0 <= comparison["stability"]["percentile"] <= 100.0
    assert comparison["stability"]["n"] == 40
    assert sum(comparison["category"]["mix"].values()) > 0.99
    assert comparison["tools"], "the seeded runs call tools"
    page = api.get("/runs/late-000/baseline", headers=HTML)
    assert page.status_code == 200
    assert 'id="baseline-metrics"' in page.text and ">month</span>" in page.text
    assert f"{comparison['stability']['percentile']:.0f}th" in page.text
    named = api.get("/api/v1/runs/late-000/baseline?baseline=older").json()
    assert named["baseline"]["n_runs"] == 1


def test_without_a_baseline_the_page_says_how_to_freeze_one(
    api: ApiClient, database: Database
) -> None:
    seed(database, "base", 3, seed=1, day=0)
    twin = api.get("/api/v1/runs/base-000/baseline").json()
    assert twin["baseline"] is None and twin["comparison"] is None
    page = api.get("/runs/base-000/baseline", headers=HTML)
    assert page.status_code == 200 and "keel baseline create NAME --workflow support" in page.text


def test_an_unknown_run_or_baseline_is_a_clear_404(api: ApiClient, database: Database) -> None:
    seed(database, "base", 3, seed=1, day=0)
    missing = api.get("/api/v1/runs/nope/baseline")
    assert missing.status_code == 404 and "nope" in missing.text
    page = api.get("/runs/nope/baseline", headers=HTML)
    assert page.status_code == 404 and "<html" in page.text.lower()
    named = api.get("/api/v1/runs/base-000/baseline?baseline=gone")
    assert named.status_code == 404 and "gone" in named.text


def test_a_run_of_the_baseline_is_compared_with_the_other_runs(
    api: ApiClient, database: Database
) -> None:
    seed(database, "base", 40, seed=1, day=0)
    with database.write() as session:
        create_baseline(
            session,
            "month",
            PopulationFilter("support", run_ids=tuple(f"base-{i:03d}" for i in range(40))),
        )
    comparison = api.get("/api/v1/runs/base-000/baseline").json()["comparison"]
    assert comparison["left_out"] and comparison["stability"]["n"] == 39
    page = api.get("/runs/base-000/baseline", headers=HTML)
    assert "compared with the other 39" in page.text
