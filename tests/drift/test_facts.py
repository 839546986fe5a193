"""Drift reads a workflow's runs through its output contract: registered, declared or inferred."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from keel.core.records import DECLARED_CONTRACT_KEY, RunRecord
from keel.core.sanitize import seal_runs
from keel.drift.baseline import create_baseline
from keel.drift.check import Window, check_drift
from keel.drift.facts import facts_of_run, workflow_contract, workflow_facts
from keel.drift.population import Population
from keel.drift.run_comparison import compare_to_baseline
from keel.evaluate.contract import OutputContract
from keel.store.drift import PopulationFilter
from keel.store.engine import Database
from keel.store.writes import write_runs

T0 = datetime(2026, 10, 1, tzinfo=UTC)
TRIAGE = OutputContract(categorical=("verdict",), text=("summary",), decision="verdict")


def store(
    database: Database, workflow: str, prefix: str, outputs: list[dict[str, Any]], day: int
) -> None:
    inputs = {DECLARED_CONTRACT_KEY: TRIAGE.as_dict()} if workflow == "triage" else {}
    runs = [
        RunRecord(
            f"{prefix}-{i}",
            workflow,
            T0 + timedelta(days=day, minutes=i),
            inputs={**inputs, "applicant_id": f"ap-{i}"},
            output=output,
        )
        for i, output in enumerate(outputs)
    ]
    with database.write() as session:
        write_runs(session, seal_runs(runs))


def test_the_decision_and_item_are_the_registered_contracts_fields(
    database: Database, test_contracts: dict[str, OutputContract]
) -> None:
    store(database, "loans", "l", [{"grade": "B", "category": "TAX", "memo": "ok"}], day=0)
    with database.read() as session:
        (facts,) = workflow_facts(session, PopulationFilter("loans"))
    assert (facts.decision, facts.item, facts.answer) == ("B", "ap-0", "ok")


def test_an_unregistered_workflow_is_read_by_what_its_runs_declared(database: Database) -> None:
    store(database, "triage", "t", [{"verdict": "deny", "summary": "No."}], day=0)
    with database.read() as session:
        contract = workflow_contract(session, "triage")
        facts = facts_of_run(session, "t-0")
    assert contract.decision == "verdict" and contract.answer == "summary"
    assert facts is not None and (facts.decision, facts.answer) == ("deny", "No.")
    assert facts.item is None  # it declared no item key


def test_an_undeclared_workflow_has_no_decision_to_compare(database: Database) -> None:
    store(database, "plain", "p", [{"category": "TAX", "answer": "Form 1099."}], day=0)
    with database.read() as session:
        (facts,) = workflow_facts(session, PopulationFilter("plain"))
    assert (facts.decision, facts.answer) == (None, "Form 1099.")


def test_the_decision_mix_drifts_on_the_contracts_decision_not_on_category(
    database: Database, test_contracts: dict[str, OutputContract]
) -> None:
    # `category` never changes; the contract's decision, `grade`, moves from A to C.
    store(database, "loans", "before", [{"grade": "A", "category": "TAX"}] * 40, day=0)
    store(database, "loans", "after", [{"grade": "C", "category": "TAX"}] * 40, day=5)
    with database.write() as session:
        baseline = create_baseline(
            session, "loans", PopulationFilter("loans", until=T0 + timedelta(days=1))
        )
        check = check_drift(session, "loans", Window(since=T0 + timedelta(days=1)))
        facts = facts_of_run(session, "after-0")
    mix = next(ind for ind in check.report.indicators if ind.name == "category_mix")
    assert mix.details["baseline"] == {"A": 40} and mix.details["window"] == {"C": 40}
    assert str(mix.verdict) == "alert"
    assert facts is not None
    placed = compare_to_baseline(facts, Population.from_json(baseline.population))
    assert placed["category"]["value"] == "C" and placed["category"]["baseline_share"] == 0.0
