"""Runs with an output are flagged by the content rules and get a risk, wherever they come from."""

from __future__ import annotations

from keel.core.records import RunRecord
from keel.core.sanitize import seal_runs
from keel.evaluate.contract import OutputContract
from keel.evaluate.rules.confidential import withheld_documents
from keel.govern.assessment import refresh_risks
from keel.ingest.storing import store_runs
from keel.store.engine import Database
from keel.store.flags import flags_of_run
from keel.store.models import Run, utcnow
from keel.store.writes import write_runs
from tests.conftest import ApiClient

RISKY = {
    "category": "TAX",
    "needs_human_review": False,
    "disclaimer": "",
    "next_steps": [],
    "answer": "This bond has guaranteed returns, and you owe no tax on the interest.",
    "citations": [],
}
CALM = {
    "category": "TRANSFER",
    "needs_human_review": False,
    "disclaimer": "",
    "next_steps": [],
    "answer": "Wires sent before 4 pm leave the same business day.",
    "citations": [],
}


def test_ingested_outputs_are_flagged_and_scored(api: ApiClient, database: Database) -> None:
    runs = [
        {"run_id": "risky", "workflow_type": "support", "output": RISKY},
        {"run_id": "calm", "workflow_type": "support", "output": CALM},
        {"run_id": "silent", "workflow_type": "support"},
    ]
    response = api.post("/api/v1/runs:batch", json={"runs": runs})
    assert response.status_code == 200, response.text
    with database.read() as session:
        risky = flags_of_run(session, "risky")
        calm = flags_of_run(session, "calm")
        scores = {run.run_id: run.risk for run in session.query(Run)}
    assert risky and {flag.source for flag in risky} == {"content"}
    assert any(flag.severity in ("high", "critical") for flag in risky)
    assert not calm
    assert scores["risky"] is not None and scores["risky"] > 50
    assert scores["calm"] == 0.0
    assert scores["silent"] is None


def test_the_review_part_of_risk_reads_the_workflows_review_flag(
    database: Database, test_contracts: dict[str, OutputContract]
) -> None:
    runs = [
        ("loan-asks", "loans", {"grade": "C", "escalate": True}),
        ("loan-other-field", "loans", {"grade": "C", "needs_human_review": True}),
        ("quiet", "quiet", {"needs_human_review": True}),
    ]
    now = utcnow()
    with database.write() as session:
        write_runs(session, seal_runs([RunRecord(i, w, now, output=o) for i, w, o in runs]))
        session.flush()
        refresh_risks(session, [run_id for run_id, _, _ in runs])
        scores = {run.run_id: run.risk for run in session.query(Run)}
    # Asking for a person alone scores 30 (docs/metrics.md); the other fields ask nothing.
    assert scores == {"loan-asks": 30.0, "loan-other-field": 0.0, "quiet": 0.0}


def test_a_run_that_quotes_what_it_declared_withheld_is_flagged(database: Database) -> None:
    internal = "Override code LKS-7731 waives the overdraft fee once per quarter for staff."
    withheld = withheld_documents([("OPS-9", internal)], ["knowledge.search"])
    leaking = {**CALM, "answer": "Use override code LKS-7731 waives the overdraft fee once."}
    record = RunRecord(
        "leaks", "support", utcnow(), output=leaking, metrics={"withheld": withheld.as_metrics()}
    )
    with database.write() as session:
        store_runs(session, [record], "test", "test")
    with database.read() as session:
        rules = {flag.rule_id for flag in flags_of_run(session, "leaks")}
        run = session.get(Run, "leaks")
    assert "confidential.quotes_internal" in rules
    assert run is not None and run.risk is not None and run.risk > 0
