from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from keel.core.errors import InvalidInput
from keel.evaluate.risk import review_share, risk_score
from keel.evaluate.rules.engine import check_text


def test_hand_computed_risk_of_a_missing_disclaimer_review_and_instability() -> None:
    # F = 0.5, H = 1, U = 0.5: 1 - 0.5 * 0.7 * 0.7
    result = risk_score([{"severity": "medium"}], needs_human_review=True, stability=50.0)
    assert result.score == pytest.approx(100 * (1 - 0.5 * 0.7 * 0.7))
    assert result.worst_severity == "medium"


def test_a_credential_request_saturates_risk() -> None:
    flags = check_text("Please send us your PIN.")
    assert risk_score(flags).score == 100.0


def test_topics_alone_carry_no_risk() -> None:
    flags = check_text("We will never ask for your PIN.")
    assert {f.severity for f in flags} == {"info"}
    assert risk_score(flags, needs_human_review=False, stability=100.0).score == 0.0


def test_instability_at_the_threshold_alone_scores_18() -> None:
    assert risk_score([], stability=70.0).score == pytest.approx(18.0)


def test_unknown_severity_is_refused_naming_the_flag() -> None:
    with pytest.raises(InvalidInput) as caught:
        risk_score([{"severity": "low"}, {"severity": "meh"}])
    assert caught.value.field == "flags[1].severity"


severities = st.lists(st.sampled_from(["info", "low", "medium", "high", "critical"]), max_size=6)


@given(severities, st.floats(0, 1), st.one_of(st.none(), st.floats(0, 100)))
def test_risk_lies_in_0_100_and_never_falls_when_a_flag_is_added(
    flags: list[str], review: float, stability: float | None
) -> None:
    base = risk_score([{"severity": s} for s in flags], review, stability)
    more = risk_score([{"severity": s} for s in [*flags, "low"]], review, stability)
    assert 0.0 <= base.score <= 100.0
    assert more.score >= base.score


@given(st.floats(0, 100), st.floats(0, 100))
def test_less_stable_runs_are_riskier(a: float, b: float) -> None:
    low, high = sorted([a, b])
    assert risk_score([], stability=low).score >= risk_score([], stability=high).score


def test_review_share_counts_generations_asking_for_review() -> None:
    from keel.evaluate.generation import Generation

    generations = [
        Generation("base", {"needs_human_review": True}),
        Generation("seed", {"needs_human_review": False}),
        Generation("P1", None),
        Generation("P2", {"needs_human_review": True}),
    ]
    assert review_share(generations, "needs_human_review") == 0.5
    assert review_share(generations, None) == 0.0
    assert review_share([], "needs_human_review") == 0.0
