"""The replay engine end to end on a real database, with a small agent written in the test.

The agent classifies a message by keyword votes and samples between tied categories with its
seed, so an ambiguous message really flips across replays and a clear one does not.
"""

from __future__ import annotations

import json
import random
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from keel.core.errors import Conflict
from keel.core.records import DECLARED_CONTRACT_KEY, RunRecord, ToolCallRecord
from keel.core.sanitize import seal_runs
from keel.evaluate.contract import OutputContract
from keel.models.embeddings import DEFAULT_EMBEDDER, embedder
from keel.replay.engine import run_replay_set, start_replay_set
from keel.replay.paraphrase import paraphrase
from keel.replay.plan import Perturbation, ReplaySpec
from keel.replay.target import PerturbedInputs
from keel.store.engine import Database
from keel.store.models import AuditEntry, utcnow
from keel.store.replays import replay_set_detail
from keel.store.runs import RunDetail, run_detail
from keel.store.writes import write_runs

KEYWORDS = {"TAX": ("tax", "1099"), "WITHDRAWAL": ("withdraw", "atm"), "SECURITY": ("fraud",)}
#: What the toy declares of its output, as a `@keel.replayable` agent records it.
TOY_CONTRACT = OutputContract(
    categorical=("category", "needs_human_review"),
    sets=("citations",),
    categories={"category": tuple(KEYWORDS)},
    decision="category",
    review_flag="needs_human_review",
)


def classify(text: str, seed: int) -> str:
    votes = {cat: sum(word in text.lower() for word in words) for cat, words in KEYWORDS.items()}
    top = max(votes.values())
    tied = sorted(cat for cat, count in votes.items() if count == top)
    return random.Random(seed).choice(tied)


def store_toy_run(
    database: Database,
    run_id: str,
    text: str,
    seed: int,
    parent: str | None,
    pin: str | None = None,
) -> None:
    category = classify(text, seed)
    now = utcnow()
    record = RunRecord(
        run_id=run_id,
        workflow_type="toy",
        created_at=now,
        parent_run_id=parent,
        inputs={
            "target": "toy",
            "text": text,
            "seed": seed,
            "pinned": pin,
            DECLARED_CONTRACT_KEY: TOY_CONTRACT.as_dict(),
        },
        output={
            "category": category,
            "answer": f"This is about {category.lower()}.",
            "needs_human_review": category == "TAX",
            "citations": [{"source": "kb", "id": f"kb-{category.lower()}"}],
        },
        tool_calls=[
            ToolCallRecord(
                tool_name="kb.search",
                args_digest=category.lower() * 4,
                seq=0,
                started_at=now,
                ended_at=now + timedelta(milliseconds=5),
            )
        ],
    )
    with database.write() as session:
        write_runs(session, seal_runs([record]))


class ToyTarget:
    name = "toy"

    def __init__(self, database: Database) -> None:
        self.database = database

    def accepts(self, base: RunDetail) -> bool:
        return base.run.inputs.get("target") == "toy"

    def unreplayable_reason(self, base: RunDetail) -> str | None:
        return None

    def close(self) -> None:
        return None

    def observed_output(self, base: RunDetail) -> dict[str, Any] | None:
        return base.run.output

    def perturb(self, base: RunDetail, spec: ReplaySpec) -> PerturbedInputs:
        text = base.run.inputs["text"]
        if spec.perturbation == Perturbation.P1:
            text = paraphrase(text, spec.perturbation_seed)
        return PerturbedInputs({"text": text, "seed": spec.generation_seed}, {"text": text})

    def execute(
        self, base: RunDetail, perturbed: PerturbedInputs, spec: ReplaySpec, run_id: str
    ) -> None:
        store_toy_run(
            self.database,
            run_id,
            perturbed.inputs["text"],
            perturbed.inputs["seed"],
            base.run.run_id,
        )


def replay(database: Database, run_id: str, seed: int = 3) -> float:
    targets = [ToyTarget(database)]
    kinds = [Perturbation.P1, Perturbation.P2]
    set_id = start_replay_set(database, run_id, kinds, samples=3, seed=seed, targets=targets)
    return run_replay_set(database, set_id, targets, embedder(DEFAULT_EMBEDDER)).result.score


def test_ambiguous_run_scores_lower_than_a_clear_one(database: Database) -> None:
    store_toy_run(database, "clear", "I want to withdraw cash at the ATM", 1, None)
    store_toy_run(database, "mixed", "My withdraw fee shows on my tax form", 1, None)
    clear, mixed = replay(database, "clear"), replay(database, "mixed")
    assert clear == pytest.approx(100.0)
    assert mixed < clear
    with database.read() as session:
        detail = run_detail(session, "clear")
    assert detail is not None and detail.run.stability == pytest.approx(clear)


def test_same_seed_gives_the_same_replays_and_score(database: Database) -> None:
    store_toy_run(database, "mixed", "My withdraw fee shows on my tax form", 1, None)
    first, second = replay(database, "mixed", seed=9), replay(database, "mixed", seed=9)
    assert first == second


def test_replay_set_records_progress_and_every_replay(database: Database) -> None:
    store_toy_run(database, "clear", "I want to withdraw cash at the ATM", 1, None)
    targets = [ToyTarget(database)]
    set_id = start_replay_set(database, "clear", [Perturbation.P1], 2, 0, targets)
    seen: list[tuple[int, int]] = []
    run_replay_set(
        database,
        set_id,
        targets,
        embedder(DEFAULT_EMBEDDER),
        progress=lambda done, total: seen.append((done, total)),
    )
    assert seen == [(1, 4), (2, 4), (3, 4), (4, 4)]
    with database.read() as session:
        detail = replay_set_detail(session, set_id)
    assert detail is not None
    assert detail.replay_set.status == "completed" and detail.replay_set.done == 4
    assert [r.perturbation_type for r in detail.replays] == ["seed", "seed", "P1", "P1"]
    assert detail.replay_set.result["stability"]["labels"][0] == "base"
    with database.read() as session:
        replayed = session.scalars(
            select(AuditEntry).where(AuditEntry.action == "run.replayed")
        ).one()
    assert replayed.subject == "run:clear" and json.loads(replayed.details)["replay_set"] == set_id


def test_a_run_keel_cannot_re_execute_is_a_conflict_saying_why(database: Database) -> None:
    with database.write() as session:
        write_runs(
            session,
            seal_runs(
                [RunRecord(run_id="ext", workflow_type="otel", created_at=utcnow(), source="otlp")]
            ),
        )
    with pytest.raises(Conflict, match=r"cannot be replayed.*@keel\.replayable"):
        start_replay_set(database, "ext", [Perturbation.P1], 1, 0, [ToyTarget(database)])
