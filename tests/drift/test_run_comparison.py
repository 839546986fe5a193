"""One run against a baseline: percentiles, category share, tool usage, notes."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st

from keel.drift.population import Population
from keel.drift.run_comparison import compare_to_baseline, leave_out, percentile_of
from keel.store.drift import DriftFacts


def facts(stability: float | None, category: str | None, path: list[str]) -> DriftFacts:
    return DriftFacts(
        run_id="r",
        created_at=datetime(2026, 11, 1, tzinfo=UTC),
        decision=category,
        answer="a",
        stability=stability,
        cost_usd=0.0,
        total_tokens=10,
        latency_ms=120.0,
        tool_path=path,
        tool_errors=[],
        flag_rules=[],
        item=None,
    )


BASELINE = Population(
    n_runs=10,
    categories=Counter({"TAX": 2, "TRANSFER": 8}),
    stability=[float(v) for v in range(80, 100, 2)],
    cost_usd=[0.0] * 10,
    latency_ms=[100.0 + i for i in range(10)],
    paths=Counter({"knowledge.search > knowledge.get": 10}),
    tool_calls=Counter({"knowledge.search": 10, "knowledge.get": 30}),
)


def test_percentile_is_the_share_at_or_below() -> None:
    assert percentile_of(80.0, [80.0, 90.0, 100.0, 110.0]) == 25.0
    assert percentile_of(79.0, [80.0, 90.0]) == 0.0
    assert percentile_of(None, [1.0]) is None and percentile_of(1.0, []) is None


@given(st.floats(-1e6, 1e6), st.lists(st.floats(-1e6, 1e6), min_size=1))
def test_percentile_lies_between_0_and_100(value: float, values: list[float]) -> None:
    share = percentile_of(value, values)
    assert share is not None and 0.0 <= share <= 100.0


def test_a_typical_run_sits_inside_the_baseline() -> None:
    path = ["knowledge.search", "knowledge.get", "knowledge.get", "knowledge.get"]
    out = compare_to_baseline(facts(91.0, "TRANSFER", path[:2]), BASELINE)
    assert out["stability"]["percentile"] == 60.0 and out["stability"]["n"] == 10
    assert out["category"]["baseline_share"] == 0.8
    assert out["path"]["baseline_share"] == 1.0
    assert out["notes"] == []
    tools = {t["tool"]: t for t in compare_to_baseline(facts(91.0, "TAX", path), BASELINE)["tools"]}
    assert tools["knowledge.get"] == {"tool": "knowledge.get", "calls": 3, "baseline_per_run": 3.0}


def test_an_unusual_run_is_called_out() -> None:
    out = compare_to_baseline(facts(50.0, "SECURITY", ["account.lookup"]), BASELINE)
    assert out["stability"]["percentile"] == 0.0
    assert out["category"]["baseline_share"] == 0.0
    assert len(out["notes"]) == 3
    assert {t["tool"] for t in out["tools"]} == {
        "account.lookup",
        "knowledge.get",
        "knowledge.search",
    }


def test_an_unscored_run_has_no_stability_percentile() -> None:
    out = compare_to_baseline(facts(None, "TAX", []), BASELINE)
    assert out["stability"]["percentile"] is None and out["stability"]["p50"] == 90.0


def test_a_baseline_run_is_compared_with_the_others_not_itself() -> None:
    # The lowest of the baseline's 10 runs: counted in, it sits at the 10th percentile (inside
    # the usual range); left out, below every other run.
    lowest = facts(80.0, "TAX", ["knowledge.search", "knowledge.get"])
    assert compare_to_baseline(lowest, BASELINE)["stability"]["percentile"] == 10.0
    others = leave_out(BASELINE, lowest)
    out = compare_to_baseline(lowest, others)
    assert others.n_runs == 9 and out["stability"]["n"] == 9
    assert out["stability"]["percentile"] == 0.0
    assert "stability below the baseline's 10th percentile" in out["notes"]
    assert others.categories["TAX"] == 1 and others.tool_calls["knowledge.get"] == 29
    assert BASELINE.n_runs == 10, "the frozen population is left as it was"


def test_an_unstable_run_inside_the_baseline_still_says_it_is_unstable() -> None:
    wobbly = Population(n_runs=4, stability=[60.0, 62.0, 64.0, 90.0])
    out = compare_to_baseline(facts(63.0, None, []), wobbly, unstable=True)
    assert out["stability"]["percentile"] == 50.0
    assert any(
        note.startswith("UNSTABLE: its replays disagree (stability 63.0)") for note in out["notes"]
    )
