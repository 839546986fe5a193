"""The replay tool gate: read-only runs, opted-in runs, the rest answers from the record."""

from __future__ import annotations

from keel.core.side_effects import (
    RECORDED,
    REFUSED,
    RecordedCall,
    ReplayToolPolicy,
    ToolEffects,
    comparison_digest,
)
from keel.evaluate.generation import ToolStep
from keel.evaluate.trajectory import path_similarity

GATE = ReplayToolPolicy("base", (RecordedCall("pay", "d1", {"status": "sent"}),), frozenset({"x"}))


def test_read_only_and_opted_in_tools_run_and_the_others_do_not() -> None:
    assert GATE.decide("search", "any", read_only=True).execute
    assert GATE.decide("x", "any", read_only=None).execute
    recorded = GATE.decide("pay", "d1", read_only=False)
    assert not recorded.execute and recorded.how == RECORDED
    assert recorded.recorded is not None and recorded.recorded.result == {"status": "sent"}
    refused = GATE.decide("pay", "d2", read_only=None)  # unannotated counts as not read-only
    assert refused.how == REFUSED and refused.message.startswith("not executed in replay: pay")
    assert "--live-tools pay" in refused.message


def test_the_policy_survives_the_trip_to_a_child_process() -> None:
    assert ReplayToolPolicy.from_json(GATE.as_json()) == GATE


def test_mcp_hints_map_both_ways() -> None:
    effects = ToolEffects.from_hints({"readOnlyHint": False, "destructiveHint": True, "x": 1})
    assert effects == ToolEffects(read_only=False, destructive=True)
    assert effects.hints() == {"readOnlyHint": False, "destructiveHint": True}


def test_a_refused_call_is_a_divergence_in_the_trajectory() -> None:
    base = [ToolStep("pay", "d1")]
    refused = [ToolStep("pay", comparison_digest("d1", {"replay": REFUSED}))]
    recorded = [ToolStep("pay", comparison_digest("d1", {"replay": RECORDED}))]
    assert path_similarity(base, refused) < path_similarity(base, recorded) == 1.0
