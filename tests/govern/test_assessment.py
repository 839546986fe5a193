"""Runs with an output are flagged by the content rules and get a risk, wherever they come from."""

from __future__ import annotations

from keel.store.engine import Database
from keel.store.flags import flags_of_run
from keel.store.models import Run
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
