"""The columnar read of a profile gives the profile of the runs read whole, on both dialects.

`read_profile` reads lone runs as columns (keel.store.profile_columns) and measures them as
arrays (keel.evaluate.profile_singles); `profile(profile_runs(...))` reads and judges every
run whole, one at a time. Same stored runs, same profile: every value, interval, count and
run id. Lone runs come from the facts the write path judged (keel.store.profile_facts) when
it judged them by the contract the read uses, else from their JSON: both are checked.
"""

from __future__ import annotations

import math
import random
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import pytest
from sqlalchemy import func, select, update

from keel.core.records import DECLARED_CONTRACT_KEY, RunRecord, ToolCallRecord
from keel.core.sanitize import seal_runs
from keel.evaluate.contract import OutputContract
from keel.evaluate.profile import profile
from keel.evaluate.profile_judging import read_by, record_facts
from keel.reports.profile import (
    FROM_FACTS,
    Selection,
    profile_runs,
    read_population,
    read_profile,
    side_by_side,
)
from keel.store.drift import PopulationFilter
from keel.store.engine import Database
from keel.store.models import PolicyFlag, Replay, Run
from keel.store.profile_columns import base_facts
from keel.store.writes import write_runs

START = datetime(2026, 11, 1, tzinfo=UTC)
CONTRACT = {
    "categorical": ["label", "unsure"],
    "decision": "label",
    "review_flag": "unsure",
    "item_key": "case",
}
LABELS = ("X", "Y", "Z")
#: (source, rule id, severity) a run may be flagged with; "weird" is no severity keel knows.
FLAGS = (
    ("content", "topic.tax", "info"),
    ("content", "disclaimer.tax", "medium"),
    ("content", "prohibited.no_tax_claim", "high"),
    ("tool_policy", "no_refunds", "critical"),
    ("content", "odd.rule", "weird"),
)


def _output(rng: random.Random) -> dict[str, Any] | None:
    if rng.random() < 0.08:
        return None  # a failed run
    output: dict[str, Any] = {"label": rng.choice(LABELS), "unsure": rng.random() < 0.3}
    if rng.random() < 0.4:  # some runs state a confidence (one out of range, one a bool)
        output["confidence"] = rng.choice((0.1, 0.35, 0.5, 0.725, 0.9, 1.0, 1.5, True))
    if rng.random() < 0.2:
        output["extra"] = {"nested": [1, 2]}
    if rng.random() < 0.05:  # values JSON stores otherwise than Python holds them
        output["label"] = rng.choice((("X",), ["Y"], math.nan))
    return output


def _expected(rng: random.Random) -> dict[str, Any] | None:
    draw = rng.random()
    if draw < 0.3:
        return None  # the plugin may know it, by item
    if draw < 0.5:
        return {"label": rng.choice(LABELS), "unsure": False}
    if draw < 0.6:
        return {"unsure": True}  # names no decision: judged by every field it holds
    return {"label": rng.choice(LABELS)}


def _record(rng: random.Random, run_id: str, case: str, **extra: Any) -> RunRecord:
    output = _output(rng)
    tools = rng.choice((["kb"], ["kb", "acct"], ["acct", "kb", "kb"], []))
    return RunRecord(
        run_id=run_id,
        workflow_type="triage",
        created_at=START + timedelta(seconds=rng.randrange(10_000)),
        inputs={"case": case, DECLARED_CONTRACT_KEY: CONTRACT},
        output=output,
        status="COMPLETED" if output is not None else "FAILED",
        latency_ms=rng.choice((None, 10.0, 12.5)),
        tool_calls=[
            ToolCallRecord(
                tool_name=t, args_digest="0" * 64, seq=i, error="x" if rng.random() < 0.2 else None
            )
            for i, t in enumerate(tools)
        ],
        **extra,
    )


def _store(database: Database, seed: int, judged: bool = True) -> None:
    rng = random.Random(seed)
    records, replays = [], []
    for n in range(60):
        case = f"c{rng.randrange(45)}"  # some cases run twice: shared items
        metrics: dict[str, Any] = {"config": rng.choice(("a", "b"))}
        if (expected := _expected(rng)) is not None:
            metrics["expected"] = expected
        base = f"r{n:03d}"
        records.append(_record(rng, base, case, metrics=metrics))
        if rng.random() < 0.25:  # replayed: seed reruns and perturbations
            for k, kind in enumerate(rng.sample(("seed", "seed", "P1", "P2", "P3"), 3)):
                records.append(_record(rng, f"{base}-{k}", case, parent_run_id=base))
                replays.append((f"{base}-{k}", base, kind))
    with database.write() as session:
        write_runs(session, seal_runs(records), record_facts if judged else None)
        for record in records:  # what the write path leaves to scoring and pricing
            session.execute(
                update(Run)
                .where(Run.run_id == record.run_id)
                .values(
                    total_tokens=rng.randrange(100, 200),
                    stability=rng.choice((None, 40.0, 90.0)),
                )
            )
        for replay_run, base, kind in replays:
            session.add(
                Replay(
                    replay_id=replay_run,
                    base_run_id=base,
                    perturbation_type=kind,
                    replay_run_id=replay_run,
                )
            )
        for record in records:
            for source, rule, severity in rng.sample(FLAGS, rng.choice((0, 0, 1, 2))):
                session.add(
                    PolicyFlag(
                        run_id=record.run_id,
                        source=source,
                        rule_id=rule,
                        rule_version="1",
                        category="TAX",
                        severity=severity,
                        message="",
                        evidence={},
                        created_at=START,
                    )
                )


def _lookup(_workflow: str, items: list[str]) -> dict[str, dict[str, Any]]:
    # What a plugin knows: the gold label of every case whose number is even.
    return {item: {"label": LABELS[int(item[1:]) % 3]} for item in items if int(item[1:]) % 2 == 0}


def _assert_same_profiles(database: Database, read_from: str, lookup: Any = _lookup) -> None:
    for config in ("a", "b", None):
        filters = PopulationFilter("triage", config=config)
        with database.read() as session:
            fast = read_profile(session, Selection("p", filters), lookup, samples=200)
            whole = profile(profile_runs(session, filters, lookup), "p", samples=200)
            population = read_population(session, filters, lookup)
        assert fast.as_dict() == whole.as_dict()
        assert population.lone_runs_from == read_from
        # The population mixes both kinds of item, so both ways are exercised.
        assert population.runs and len(population.singles) > 0
        assert sum(m.value is not None for m in fast.metrics) >= 15


@pytest.mark.parametrize("judged", [True, False], ids=["stored-facts", "json"])
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_columnar_read_gives_the_profile_of_runs_read_whole(
    database: Database, seed: int, judged: bool
) -> None:
    _store(database, seed, judged)
    _assert_same_profiles(database, FROM_FACTS if judged else "json")


def test_the_write_path_judges_every_base_run_by_its_contract(database: Database) -> None:
    _store(database, 5)
    key = read_by(OutputContract(decision="label", review_flag="unsure", item_key="case"))
    with database.read() as session:
        judged = base_facts(session, PopulationFilter("triage"), key)
        other = base_facts(session, PopulationFilter("triage"), read_by(OutputContract()))
        bases = session.scalars(select(Run).where(Run.parent_run_id.is_(None))).all()
    assert judged.judged.all() and not other.judged.any()
    items = dict(zip(judged.run_id, judged.item, strict=True))
    assert items == {run.run_id: run.inputs["case"] for run in bases}
    # Judged against its own expected outcome where the run has one, and only there.
    own = dict(zip(judged.run_id, ~np.isnan(judged.correct), strict=True))
    assert own == {run.run_id: "expected" in run.metrics for run in bases}


def test_facts_judged_by_another_contract_are_read_from_json(database: Database) -> None:
    _store(database, 6)
    with database.write() as session:
        for config in ("a", "b"):  # one run of each population
            first = select(func.min(Run.run_id)).where(Run.config == config).scalar_subquery()
            session.execute(
                update(Run)
                .where(Run.run_id == first)
                .values(profile_read_by=read_by(OutputContract(decision="unsure")))
            )
    _assert_same_profiles(database, "json")


def test_a_plugin_outcome_naming_other_fields_is_judged_from_json(database: Database) -> None:
    def lookup(workflow: str, items: list[str]) -> dict[str, dict[str, Any]]:
        # Names a field the stored facts do not hold ("extra"): judged from the outputs.
        found = _lookup(workflow, items)
        return {item: {**outcome, "extra": None} for item, outcome in found.items()}

    _store(database, 7)
    _assert_same_profiles(database, "json", lookup)


def test_side_by_side_compares_the_same_profiles_either_way(database: Database) -> None:
    _store(database, 4)
    selections = [Selection(c, PopulationFilter("triage", config=c)) for c in ("a", "b")]
    with database.read() as session:
        both = side_by_side(session, selections, _lookup, samples=200)
        whole = [profile_runs(session, s.filters, _lookup) for s in selections]
    common = {r.item for r in whole[0]} & {r.item for r in whole[1]}
    assert both.paired_items == len(common) > 0
    for found, runs, selection in zip(both.profiles, whole, selections, strict=True):
        on_common = [r for r in runs if r.item in common]
        assert found.as_dict() == profile(on_common, selection.label, samples=200).as_dict()
