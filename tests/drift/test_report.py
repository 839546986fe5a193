"""Drift reports on synthetic populations: few false alarms without a shift, alerts with one."""

from __future__ import annotations

import pytest

from keel.drift.indicators import INDICATOR_FAMILIES, Verdict, indicator_family
from keel.drift.population import Population
from keel.drift.report import compare
from keel.drift.simulation import Shift, population


def test_no_shift_false_alarm_rate_is_at_most_five_percent() -> None:
    trials = 200
    alarms = sum(
        compare(population(120, seed=2 * i), population(120, seed=2 * i + 1)).verdict
        == Verdict.ALERT
        for i in range(trials)
    )
    assert alarms / trials <= 0.05, f"{alarms} false alarms in {trials} A/A trials"


@pytest.mark.parametrize(
    ("kind", "indicator"),
    [
        ("category_mix", "category_mix"),
        ("tool_path", "tool_paths"),
        ("stability", "stability"),
        ("answer_content", "answer_embeddings"),
    ],
)
def test_a_large_shift_raises_an_alert_on_its_indicator(kind: str, indicator: str) -> None:
    base = population(200, seed=1)
    window = population(200, seed=2, shift=Shift(kind, 1.0))
    report = compare(base, window)
    verdicts = {ind.name: ind.verdict for ind in report.indicators}
    assert verdicts[indicator] == Verdict.ALERT, report.as_dict()
    assert report.fails(Verdict.ALERT)


def test_a_new_tool_is_named_in_the_report() -> None:
    report = compare(
        population(150, seed=3), population(150, seed=4, shift=Shift("tool_path", 0.5))
    )
    paths = next(ind for ind in report.indicators if ind.name == "tool_paths")
    assert paths.details["new_tools"] == ["db.query"]


def test_population_survives_a_json_round_trip() -> None:
    original = population(30, seed=5)
    again = Population.from_json(original.to_json())
    assert compare(original, again).verdict == Verdict.OK
    assert again.categories == original.categories


def test_every_indicator_belongs_to_a_known_family() -> None:
    report = compare(population(60, seed=6), population(60, seed=7))
    assert {indicator_family(ind.name) for ind in report.indicators} == set(INDICATOR_FAMILIES)


def test_ignored_indicators_are_left_out_of_the_verdict() -> None:
    base = population(200, seed=1)
    window = population(200, seed=2, shift=Shift("stability", 1.0))
    report = compare(base, window, ignore={"stability", "tool_error_rate"})
    names = {ind.name for ind in report.indicators}
    assert "stability" not in names and not any(n.startswith("tool_error_rate") for n in names)
    assert report.verdict == Verdict.OK and report.ignored == ["stability", "tool_error_rate"]
