"""The runs list report on both databases: rows as every surface shows them, page by page."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import update

from keel.core.records import RunRecord
from keel.core.sanitize import seal_runs
from keel.core.severity import Severity
from keel.reports.runs import RunsPageOut, runs_data
from keel.store.engine import Database
from keel.store.flags import replace_flags
from keel.store.models import Replay, Run
from keel.store.runs import RunFilters
from keel.store.writes import write_runs

T0 = datetime(2026, 11, 1, tzinfo=UTC)


def store_runs(database: Database, n: int) -> None:
    runs = [
        RunRecord(f"r{i}", "support" if i % 2 else "sql", T0 + timedelta(hours=i), model="m1")
        for i in range(n)
    ]
    with database.write() as session:
        write_runs(session, seal_runs(runs))


def test_pages_walk_every_matching_run_newest_first(database: Database) -> None:
    store_runs(database, 7)
    seen, cursor = [], None
    with database.read() as session:
        while True:
            page = runs_data(session, RunFilters(workflow_type="support"), cursor=cursor, limit=2)
            seen += [run.run_id for run in page.runs]
            if page.next_cursor is None:
                break
            cursor = page.next_cursor
    assert seen == ["r5", "r3", "r1"]


def test_json_rows_carry_the_summary_columns(database: Database) -> None:
    store_runs(database, 1)
    with database.read() as session:
        shown = runs_data(session, RunFilters()).model_dump(mode="json")
    (row,) = shown["runs"]
    assert row["run_id"] == "r0" and row["workflow_type"] == "sql" and row["model"] == "m1"
    assert row["created_at"].startswith("2026-11-01T00:00:00")
    assert {"tool_count", "total_tokens", "cost_usd", "stability", "risk", "status"} <= set(row)
    assert shown["next_cursor"] is None


def store_family(database: Database) -> None:
    """An original with a replay and a heal, a flagged original, and a quiet one."""
    runs = [
        RunRecord("base", "support", T0, model="m1"),
        RunRecord("base-p1", "support", T0 + timedelta(minutes=1), parent_run_id="base"),
        RunRecord(
            "base-healed",
            "support",
            T0 + timedelta(minutes=2),
            parent_run_id="base",
            metrics={"healed_from": "base"},
        ),
        RunRecord("flagged", "support", T0 + timedelta(hours=1)),
        RunRecord("quiet", "support", T0 + timedelta(hours=2)),
    ]
    with database.write() as session:
        write_runs(session, seal_runs(runs))
        session.add(
            Replay(
                replay_id="rp1", base_run_id="base", perturbation_type="P1", replay_run_id="base-p1"
            )
        )
        replace_flags(
            session,
            "flagged",
            "rules",
            [
                {"rule_id": "disclaimer.tax", "category": "disclaimer", "severity": "medium"},
                {"rule_id": "claim.guarantee", "category": "claim", "severity": "high"},
                {"rule_id": "claim.guarantee", "category": "claim", "severity": "low"},
            ],
        )
        replace_flags(
            session,
            "base",
            "rules",
            [{"rule_id": "disclaimer.tax", "category": "disclaimer", "severity": "low"}],
        )
        for run_id, risk in (("base", 35.0), ("flagged", 91.0), ("quiet", 4.0)):
            session.execute(update(Run).where(Run.run_id == run_id).values(risk=risk))


def ids(page: RunsPageOut) -> list[str]:
    return [run.run_id for run in page.runs]


def test_originals_only_folds_replays_and_heals_under_their_base(database: Database) -> None:
    store_family(database)
    with database.read() as session:
        folded = runs_data(session, RunFilters(originals_only=True))
        every = runs_data(session, RunFilters())
    assert ids(folded) == ["quiet", "flagged", "base"]
    base = folded.runs[-1]
    assert [(child.run_id, child.kind) for child in base.derived] == [
        ("base-p1", "P1"),
        ("base-healed", "heal"),
    ]
    assert ids(every) == ["quiet", "flagged", "base-healed", "base-p1", "base"]


def test_rows_name_each_flag_rule_at_its_worst_severity_worst_first(database: Database) -> None:
    store_family(database)
    with database.read() as session:
        page = runs_data(session, RunFilters(originals_only=True))
    flags = {run.run_id: [(f.rule_id, f.severity) for f in run.flags] for run in page.runs}
    assert flags == {
        "quiet": [],
        "flagged": [("claim.guarantee", "high"), ("disclaimer.tax", "medium")],
        "base": [("disclaimer.tax", "low")],
    }
    assert [run.risk_level for run in page.runs] == ["low", "critical", "medium"]


def test_flag_rule_and_severity_filters_match_one_flag_with_both(database: Database) -> None:
    store_family(database)
    with database.read() as session:

        def find(**filters: object) -> list[str]:
            return ids(runs_data(session, RunFilters(originals_only=True, **filters)))  # type: ignore[arg-type]

        assert find(flag_rule="disclaimer.tax") == ["flagged", "base"]
        assert find(flag_severity=Severity.MEDIUM) == ["flagged"]
        assert find(flag_rule="disclaimer.tax", flag_severity=Severity.HIGH) == []
        assert find(flag_rule="claim.guarantee", flag_severity=Severity.HIGH) == ["flagged"]
        assert find(risk_min=30.0) == ["flagged", "base"]


def test_paging_the_originals_keeps_folding(database: Database) -> None:
    store_family(database)
    seen, cursor = [], None
    with database.read() as session:
        while True:
            page = runs_data(session, RunFilters(originals_only=True), cursor=cursor, limit=1)
            seen += ids(page)
            if page.next_cursor is None:
                break
            cursor = page.next_cursor
    assert seen == ["quiet", "flagged", "base"]
