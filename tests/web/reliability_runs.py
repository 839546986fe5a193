"""Two configurations of a triage agent, with reruns and replays, for the Reliability page tests.

`good` answers every case right and its reruns agree; `bad` misreads every other case and its
reruns flip, so it is worse on accuracy and outcome agreement beyond any interval.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from keel.core.records import DECLARED_CONTRACT_KEY, RunRecord, ToolCallRecord
from keel.core.sanitize import seal_runs
from keel.store.engine import Database
from keel.store.models import Replay
from keel.store.writes import write_runs

START = datetime(2026, 11, 1, tzinfo=UTC)
CASES = 24
CONTRACT = {"categorical": ["label"], "decision": "label", "item_key": "case"}


def _run(run_id: str, case: int, label: str, config: str | None, parent: str | None) -> RunRecord:
    metrics = {"config": config, "expected": {"label": "A"}} if config else {}
    later = run_id.startswith("bad")  # `good` is the older configuration, compared against
    return RunRecord(
        run_id=run_id,
        workflow_type="triage",
        created_at=START + timedelta(days=int(later), minutes=case, seconds=len(run_id)),
        inputs={"case": f"case-{case:02d}", DECLARED_CONTRACT_KEY: CONTRACT},
        output={"label": label},
        parent_run_id=parent,
        metrics=metrics,
        tool_calls=[ToolCallRecord(tool_name="lookup", args_digest="0" * 64, seq=0)],
    )


def seed_configs(database: Database) -> None:
    """Store both configurations: a base run per case, two seed reruns and a P1 replay each."""
    records, replays = [], []
    for config in ("good", "bad"):
        for case in range(CASES):
            wrong = config == "bad" and case % 2 == 0
            base = f"{config}-{case:02d}"
            records.append(_run(base, case, "B" if wrong else "A", config, None))
            for kind, label in (("seed-0", "A"), ("seed-1", "B" if wrong else "A"), ("P1-0", "A")):
                run_id = f"{base}-{kind}"
                records.append(_run(run_id, case, label, None, base))
                replays.append(
                    Replay(
                        replay_id=run_id,
                        base_run_id=base,
                        perturbation_type=kind.split("-")[0],
                        replay_run_id=run_id,
                    )
                )
    with database.write() as session:
        write_runs(session, seal_runs(records))
        session.add_all(replays)
