"""The reliability profile on hand-computed fixtures, and its properties on generated runs."""

from __future__ import annotations

import math
import random
from collections import Counter
from dataclasses import replace

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from keel.evaluate.profile import Flag, ProfileRun, SingleRuns, as_runs, profile
from keel.evaluate.profile_comparison import compare_profiles, worse


def _value(runs: list[ProfileRun], key: str, k: int = 3) -> float | None:
    metric = profile(runs, samples=50, k=k).metric(key)
    assert metric is not None
    return metric.value


#: One ticket: a base run and two seed reruns, one of which misreads the category.
RERUNS = [
    ProfileRun(
        "a",
        "t1",
        decision="TAX",
        correct=True,
        tools=("kb", "acct"),
        tokens=100,
        cost_usd=0.1,
        latency_ms=10,
    ),
    ProfileRun(
        "a-s0",
        "t1",
        kind="seed",
        decision="TAX",
        correct=True,
        tools=("kb",),
        tokens=120,
        cost_usd=0.1,
        latency_ms=12,
    ),
    ProfileRun(
        "a-s1",
        "t1",
        kind="seed",
        decision="GENERAL",
        correct=False,
        tools=("kb", "acct"),
        tokens=100,
        cost_usd=0.1,
        latency_ms=10,
    ),
]


def test_consistency_metrics_equal_their_hand_computed_values() -> None:
    # Agreeing pairs: (a, s0) only, of three.
    assert _value(RERUNS, "outcome_agreement") == pytest.approx(1 / 3, abs=1e-6)
    # p = 2/3 right: 1 - 4 p (1 - p) = 1/9.
    assert _value(RERUNS, "outcome_consistency") == pytest.approx(1 / 9, abs=1e-6)
    # pass^3 = C(2,3)/C(3,3) = 0; pass^2 = C(2,2)/C(3,2) = 1/3.
    assert _value(RERUNS, "pass^3") == 0.0
    assert _value(RERUNS, "pass^2", k=2) == pytest.approx(1 / 3, abs=1e-6)
    # {kb, acct} vs {kb}: JSD = (KL(p||m) + KL(q||m)) / 2 = 0.311278 with m = (1/4, 3/4).
    jsd = ((0.5 * 1 + 0.5 * math.log2(0.5 / 0.75)) + math.log2(1 / 0.75)) / 2
    assert _value(RERUNS, "trajectory_distributional") == pytest.approx(
        (1 + 2 * (1 - jsd)) / 3, abs=1e-6
    )
    # Levenshtein [kb, acct] vs [kb] = 1 of 2: similarities 1/2, 1, 1/2.
    assert _value(RERUNS, "trajectory_sequential") == pytest.approx(2 / 3, abs=1e-6)
    # tokens and latency have CV = sd/mean = 0.0883883; cost does not vary.
    cv = math.sqrt(((100 - 320 / 3) ** 2 * 2 + (120 - 320 / 3) ** 2) / 3) / (320 / 3)
    assert _value(RERUNS, "resource_consistency") == pytest.approx(
        (2 * math.exp(-cv) + 1) / 3, abs=1e-6
    )
    assert _value(RERUNS, "accuracy") == pytest.approx(2 / 3, abs=1e-6)


def _replayed(item: str, base: str, seeds: list[str], p1: list[str]) -> list[ProfileRun]:
    runs = [ProfileRun(f"{item}", item, decision=base)]
    runs += [ProfileRun(f"{item}-s{i}", item, "seed", d) for i, d in enumerate(seeds)]
    runs += [ProfileRun(f"{item}-p{i}", item, "P1", d) for i, d in enumerate(p1)]
    return runs


def test_robustness_is_agreement_under_a_perturbation_over_the_noise_floor() -> None:
    runs = _replayed("t1", "TAX", ["TAX", "TAX"], ["TAX", "GENERAL"])
    runs += _replayed("t2", "X", ["X", "Y"], ["Y", "Y"])
    # P1 agreement with the base (1/2 + 0) over seed agreement (1 + 1/2).
    assert _value(runs, "robustness_P1") == pytest.approx(1 / 3, abs=1e-6)
    assert _value(runs, "robustness_P2") is None
    assert profile(runs).metric("robustness_P2").missing  # type: ignore[union-attr]


def test_tool_failure_recovery_counts_runs_that_still_finish_correctly() -> None:
    runs = [
        ProfileRun("b", "t1", correct=True, tool_errors=1),
        ProfileRun("b-p3", "t1", "P3", correct=False, tool_errors=2, finished=False),
        ProfileRun("c-p3", "t2", "P3", correct=True, tool_errors=1),
        ProfileRun("d", "t3", correct=False),
    ]
    assert _value(runs, "tool_failure_recovery") == pytest.approx(2 / 3, abs=1e-6)
    assert _value(runs, "tool_failure_completion") == pytest.approx(2 / 3, abs=1e-6)


def test_predictability_of_the_agents_confidence() -> None:
    confident = [(0.8, True), (0.8, True), (0.8, False), (0.2, False)]
    runs = [
        ProfileRun(f"r{i}", "t1", "base" if i == 0 else "seed", correct=c, confidence=p)
        for i, (p, c) in enumerate(confident)
    ]
    # ECE: bin 0.8 has 3 runs, 2 right, confidence 2.4; bin 0.2 has 1, 0 right: (0.4 + 0.2) / 4.
    assert _value(runs, "calibration") == pytest.approx(1 - 0.15, abs=1e-6)
    # Right runs score {0.8, 0.8}, wrong {0.8, 0.2}: each right one beats 0.2, ties 0.8.
    assert _value(runs, "discrimination") == pytest.approx(0.75, abs=1e-6)
    # Brier: (0.04 + 0.04 + 0.64 + 0.04) / 4.
    assert _value(runs, "brier") == pytest.approx(1 - 0.19, abs=1e-6)


def test_stability_discrimination_reads_whether_reruns_agree() -> None:
    runs = []
    for item, stability, agree in [
        ("a", 90, True),
        ("b", 40, False),
        ("c", 60, True),
        ("d", 80, False),
    ]:
        runs.append(ProfileRun(item, item, decision="X", stability=stability))
        runs.append(ProfileRun(f"{item}-s", item, "seed", decision="X" if agree else "Y"))
    # Agreeing {90, 60} against disagreeing {40, 80}: 90 > both, 60 > 40 only.
    assert _value(runs, "stability_discrimination") == pytest.approx(0.75, abs=1e-6)


def test_safety_counts_violations_of_base_runs() -> None:
    runs = [
        ProfileRun("r1", "t1", flags=(Flag("content", "prohibited.no_tax_claim", "high"),)),
        ProfileRun("r2", "t2", flags=(Flag("tool_policy", "tools.max_calls", "medium"),)),
        ProfileRun("r3", "t3", flags=(Flag("content", "topic.tax", "info"),)),
        ProfileRun("r4", "t4"),
        ProfileRun("r4-p1", "t4", "P1", flags=(Flag("content", "prohibited.x", "critical"),)),
    ]
    found = profile(runs, samples=50)
    assert found.metric("compliance").value == 0.5  # type: ignore[union-attr]
    assert found.metric("prohibited_claim_rate").value == 0.25  # type: ignore[union-attr]
    assert found.metric("tool_policy_violation_rate").value == 0.25  # type: ignore[union-attr]
    assert found.severities == {
        "info": 1,
        "low": 0,
        "medium": 1,
        "high": 1,
        "critical": 0,
        "none": 1,
    }
    assert found.worst is not None and (found.worst.severity, found.worst.run_id) == ("high", "r1")


def test_correctness_metrics_are_absent_without_an_expected_outcome() -> None:
    runs = [
        ProfileRun("a", "t1", decision="X", confidence=1.0),
        ProfileRun("a-s", "t1", "seed", decision="X", confidence=1.0),
    ]
    found = profile(runs, samples=50)
    for key in ("accuracy", "outcome_consistency", "pass^3", "calibration", "brier"):
        metric = found.metric(key)
        assert metric is not None and metric.value is None and metric.missing
    assert found.metric("outcome_agreement").value == 1.0  # type: ignore[union-attr]


def test_a_comparison_marks_only_changes_beyond_the_intervals() -> None:
    good = [ProfileRun(f"g{i}", f"t{i}", correct=True) for i in range(40)]
    bad = [ProfileRun(f"b{i}", f"t{i}", correct=i % 2 == 0) for i in range(40)]
    differences = {d.key: d for d in compare_profiles(profile(good), profile(bad))}
    assert differences["accuracy"].verdict == "worse"
    assert differences["accuracy"].beyond_intervals
    assert differences["compliance"].verdict == "same"
    assert [d.key for d in worse(list(differences.values()), {"capability"})] == ["accuracy"]
    assert worse(list(differences.values()), {"safety"}) == []


DECISIONS = st.sampled_from(["A", "B", None])


@st.composite
def populations(draw: st.DrawFn) -> list[ProfileRun]:
    runs = []
    for item in range(draw(st.integers(1, 6))):
        for index in range(draw(st.integers(1, 4))):
            kind = "base" if index == 0 else draw(st.sampled_from(["seed", "P1", "P2", "P3"]))
            correct = draw(st.none() | st.booleans())
            runs.append(
                ProfileRun(
                    f"r{item}-{index}",
                    f"t{item}",
                    kind,
                    draw(DECISIONS),
                    finished=draw(st.booleans()),
                    correct=correct,
                    exact=correct,
                    confidence=draw(st.none() | st.floats(0, 1)),
                    tools=tuple(draw(st.lists(st.sampled_from(["kb", "acct"]), max_size=3))),
                    tool_errors=draw(st.integers(0, 1)),
                    tokens=draw(st.integers(0, 500)),
                    cost_usd=draw(st.floats(0, 1)),
                    latency_ms=draw(st.none() | st.floats(0, 1000)),
                    stability=draw(st.none() | st.floats(0, 100)) if kind == "base" else None,
                    flags=tuple(
                        draw(
                            st.lists(
                                st.builds(
                                    Flag,
                                    st.sampled_from(["content", "tool_policy"]),
                                    st.sampled_from(["prohibited.x", "topic.y"]),
                                    st.sampled_from(["info", "medium", "critical"]),
                                ),
                                max_size=2,
                            )
                        )
                    ),
                )
            )
    return runs


@settings(max_examples=40, deadline=None)
@given(populations(), st.randoms())
def test_every_metric_lies_in_0_1_with_its_interval_and_ignores_run_order(
    runs: list[ProfileRun], shuffle: random.Random
) -> None:
    found = profile(runs, samples=40, seed=3)
    for metric in found.metrics:
        if metric.value is None:
            assert metric.missing and metric.low is None
            continue
        assert 0.0 <= metric.value <= 1.0
        assert 0.0 <= metric.low <= metric.high <= 1.0  # type: ignore[operator]
        assert metric.items >= 1 and metric.runs >= 1
    shuffled = list(runs)
    shuffle.shuffle(shuffled)
    assert profile(shuffled, samples=40, seed=3).as_dict() == found.as_dict()


def _as_columns(runs: list[ProfileRun]) -> SingleRuns:
    """Return lone base runs as the columns `profile(singles=...)` reads (as_runs' inverse)."""

    def known(value: bool | None) -> int:
        return -1 if value is None else int(value)

    return SingleRuns(
        run_id=[r.run_id for r in runs],
        item=[r.item for r in runs],
        correct=np.array([known(r.correct) for r in runs], dtype=np.int8),
        exact=np.array([known(r.exact) for r in runs], dtype=np.int8),
        confidence=np.array([np.nan if r.confidence is None else r.confidence for r in runs]),
        finished=np.array([r.finished for r in runs], dtype=bool),
        tool_errors=np.array([r.tool_errors for r in runs], dtype=np.int64),
        flags={i: r.flags for i, r in enumerate(runs) if r.flags},
    )


@settings(max_examples=60, deadline=None)
@given(populations(), st.integers(1, 4), st.integers(0, 2**16))
def test_lone_runs_measured_as_columns_give_the_profile_of_the_same_runs(
    runs: list[ProfileRun], k: int, seed: int
) -> None:
    # Items of one base run are the lone ones; the rest are measured one item at a time.
    counts = Counter(r.item for r in runs)
    lone = [r for r in runs if counts[r.item] == 1 and r.kind == "base"]
    rest = [r for r in runs if r not in lone]
    lone = [replace(r, decision=None, tools=(), tokens=0.0, cost_usd=0.0) for r in lone]
    whole = profile(rest + lone, samples=30, seed=seed, k=k)
    columns = profile(rest, samples=30, seed=seed, k=k, singles=_as_columns(lone))
    assert columns.as_dict() == whole.as_dict()
    assert as_runs(_as_columns(lone)) == [replace(r, latency_ms=None, stability=None) for r in lone]
