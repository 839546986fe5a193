"""The reliability profile read from stored runs and replays, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from keel.core.records import DECLARED_CONTRACT_KEY, RunRecord, ToolCallRecord
from keel.core.sanitize import seal_runs
from keel.reports.profile import Selection, read_profile, side_by_side
from keel.store.drift import PopulationFilter
from keel.store.engine import Database
from keel.store.models import Replay
from keel.store.profile import configs_of
from keel.store.writes import write_runs

START = datetime(2026, 11, 1, tzinfo=UTC)
CONTRACT = {
    "categorical": ["label", "unsure"],
    "decision": "label",
    "review_flag": "unsure",
    "item_key": "case",
}


def _run(run_id: str, case: str, label: str | None, **extra: Any) -> RunRecord:
    tools = extra.pop("tools", ["lookup"])
    failing = extra.pop("failing", ())
    return RunRecord(
        run_id=run_id,
        workflow_type="triage",
        created_at=START + timedelta(minutes=len(run_id)),
        inputs={"case": case, DECLARED_CONTRACT_KEY: CONTRACT},
        output=None if label is None else {"label": label, "unsure": label == "?"},
        status="COMPLETED" if label is not None else "FAILED",
        tool_calls=[
            ToolCallRecord(
                tool_name=t, args_digest="0" * 64, seq=i, error="x" if t in failing else None
            )
            for i, t in enumerate(tools)
        ],
        **extra,
    )


def _no_expected(_workflow: str, _items: list[str]) -> dict[str, dict[str, Any]]:
    return {}


def _store(database: Database) -> None:
    base = {"config": "a", "expected": {"label": "X"}}
    records = [
        _run("a1", "c1", "X", metrics=base),
        _run("a2", "c2", "Y", metrics=base),
        _run("a3", "c3", "X", metrics={"config": "a"}),  # no expected outcome
        _run("b1", "c1", "Y", metrics={"config": "b", "expected": {"label": "X"}}),
        # replays of a1: two seed reruns (one disagrees), a P3 replay whose tool failed
        _run("a1-s0", "c1", "X", parent_run_id="a1"),
        _run("a1-s1", "c1", "Z", parent_run_id="a1"),
        _run("a1-p3", "c1", "X", parent_run_id="a1", failing=("lookup",)),
    ]
    with database.write() as session:
        write_runs(session, seal_runs(records))
        for replay_run, kind in (("a1-s0", "seed"), ("a1-s1", "seed"), ("a1-p3", "P3")):
            session.add(
                Replay(
                    replay_id=replay_run,
                    base_run_id="a1",
                    perturbation_type=kind,
                    replay_run_id=replay_run,
                )
            )


def test_profile_reads_runs_replays_and_their_own_expected_outcomes(database: Database) -> None:
    _store(database)
    with database.read() as session:
        found = read_profile(
            session, Selection("a", PopulationFilter("triage", config="a")), _no_expected, 100
        )
        assert configs_of(session, "triage") == ["a", "b"]
    assert (found.runs, found.items) == (6, 3)
    accuracy = found.metric("accuracy")
    # Judged: a1, its two seed reruns (X, Z) and a2; a3 has no expected outcome.
    assert accuracy is not None and (accuracy.value, accuracy.runs, accuracy.items) == (0.5, 4, 2)
    agreement = found.metric("outcome_agreement")
    assert agreement is not None and agreement.value == round(1 / 3, 6)
    assert agreement.run_ids == ("a1",)
    recovery = found.metric("tool_failure_recovery")
    assert recovery is not None and (recovery.value, recovery.runs) == (1.0, 1)
    robustness = found.metric("robustness_P3")
    # P3 agrees with the base (1) over seed agreement (1/2), capped at 1.
    assert robustness is not None and robustness.value == 1.0


def test_plugin_expectations_judge_items_without_their_own(database: Database) -> None:
    _store(database)

    def lookup(workflow: str, items: list[str]) -> dict[str, dict[str, Any]]:
        assert workflow == "triage"
        return {"c3": {"label": "Y"}, "c1": {"label": "nothing"}}

    with database.read() as session:
        found = read_profile(
            session, Selection("a", PopulationFilter("triage", config="a")), lookup
        )
        both = side_by_side(
            session,
            [
                Selection("a", PopulationFilter("triage", config="a")),
                Selection("b", PopulationFilter("triage", config="b")),
            ],
            lookup,
        ).as_dict()
    accuracy = found.metric("accuracy")
    # The runs' own expectation wins for c1 and c2; the plugin judges c3 (X, not Y).
    assert accuracy is not None and (accuracy.value, accuracy.items) == (0.4, 3)
    assert [p["label"] for p in both["profiles"]] == ["a", "b"]
    # Compared on the one ticket both ran (c1), paired.
    assert both["paired_items"] == 1 and both["comparisons"][0]["second"] == "b"
    accuracy_b = both["comparisons"][0]["differences"][0]
    # a1 and its reruns on c1: X, X, Z against X; b1 answered Y.
    assert (accuracy_b["key"], accuracy_b["second"]) == ("accuracy", 0.0)
    assert accuracy_b["first"] == round(2 / 3, 6)
