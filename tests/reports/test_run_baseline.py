"""The Compare to Baseline report on both databases: which baseline, and where the run falls."""

from __future__ import annotations

import pytest

from keel.core.errors import NotFound
from keel.drift.baseline import create_baseline
from keel.reports.run_baseline import run_baseline_data, run_baseline_json
from keel.store.drift import PopulationFilter
from keel.store.engine import Database
from tests.drift.seeding import seed


def freeze(database: Database, name: str, n_runs: int) -> None:
    run_ids = tuple(f"base-{i:03d}" for i in range(n_runs))
    with database.write() as session:
        create_baseline(session, name, PopulationFilter("support", run_ids=run_ids))


def test_a_run_is_compared_to_its_workflows_newest_baseline(database: Database) -> None:
    seed(database, "base", 20, seed=1, day=0)
    seed(database, "late", 1, seed=2, day=10)
    freeze(database, "older", 1)
    freeze(database, "month", 20)
    with database.read() as session:
        report = run_baseline_data(session, "late-000")
        named = run_baseline_data(session, "late-000", "older")
    assert report.baseline is not None and report.baseline.name == "month"
    assert report.baselines == ["month", "older"]
    assert report.comparison is not None and report.comparison["stability"]["n"] == 20
    assert named.baseline is not None and named.baseline.n_runs == 1


def test_json_names_the_run_and_the_baseline(database: Database) -> None:
    seed(database, "base", 5, seed=1, day=0)
    freeze(database, "week", 5)
    with database.read() as session:
        shown = run_baseline_json(run_baseline_data(session, "base-000"))
    assert shown["run"]["run_id"] == "base-000" and shown["run"]["workflow_type"] == "support"
    assert shown["baseline"]["name"] == "week" and shown["baseline"]["n_runs"] == 5
    assert shown["comparison"]["tools"], "the seeded runs call tools"


def test_without_a_baseline_there_is_nothing_to_compare(database: Database) -> None:
    seed(database, "base", 2, seed=1, day=0)
    with database.read() as session:
        shown = run_baseline_json(run_baseline_data(session, "base-000"))
    assert shown["baselines"] == [] and shown["baseline"] is None and shown["comparison"] is None


def test_an_unknown_run_or_baseline_is_not_found(database: Database) -> None:
    seed(database, "base", 2, seed=1, day=0)
    with database.read() as session:
        with pytest.raises(NotFound, match="nope"):
            run_baseline_data(session, "nope")
        with pytest.raises(NotFound, match="gone"):
            run_baseline_data(session, "base-000", "gone")
