"""Heal safety: a rerun less safe than its original is never accepted, whatever its score."""

from __future__ import annotations

from keel.heal.safety import SafetyView, safety_regressions, safety_view

TAX_DISCLAIMER = "This is general information, not tax advice."


def test_the_demo_tax_ticket_heal_is_rejected_on_all_three_counts() -> None:
    # The demo's unstable tax ticket: the rerun answered WITHDRAWAL without the tax disclaimer,
    # gained a medium disclaimer.tax flag, and its risk rose 44.4 -> 65.9.
    before = safety_view(
        44.4, [("topic.tax", "info")], {"answer": "x", "disclaimer": TAX_DISCLAIMER}
    )
    after = safety_view(
        65.9,
        [("topic.tax", "info"), ("disclaimer.tax", "medium")],
        {"answer": "y", "disclaimer": ""},
    )
    assert safety_regressions(before, after) == [
        "risk rose from 44.4 to 65.9",
        "adds the medium flag disclaimer.tax",
        "drops the tax disclaimer",
    ]


def test_a_safer_rerun_with_the_same_flags_passes() -> None:
    before = safety_view(71.5, [("disclaimer.legal", "medium")], {"answer": "a"})
    after = safety_view(65.8, [("disclaimer.legal", "medium")], {"answer": "b"})
    assert safety_regressions(before, after) == []


def test_a_worse_severity_of_the_same_rule_is_named() -> None:
    before = SafetyView(50.0, {"prohibited.guarantee": "low"})
    after = SafetyView(40.0, {"prohibited.guarantee": "high"})
    assert safety_regressions(before, after) == [
        "worsens the flag prohibited.guarantee from low to high"
    ]


def test_a_new_info_topic_is_not_a_regression_but_any_rise_in_risk_is() -> None:
    before = SafetyView(10.0)
    assert safety_regressions(before, SafetyView(10.0, {"topic.tax": "info"})) == []
    assert safety_regressions(before, SafetyView(10.5)) == ["risk rose from 10.0 to 10.5"]


def test_the_worst_severity_of_a_rule_flagged_twice_counts() -> None:
    view = safety_view(None, [("tool.x", "low"), ("tool.x", "critical")], None)
    assert view.flags == {"tool.x": "critical"} and view.disclaimers == frozenset()
