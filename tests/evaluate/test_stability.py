from __future__ import annotations

import math

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from keel.core.errors import InvalidInput
from keel.evaluate.contract import OutputContract
from keel.evaluate.generation import Generation, ToolStep
from keel.evaluate.stability import StabilityConfig, combine, stability, trajectory_agreement
from keel.models.embeddings import SentenceEmbedder

TAX_ANSWER = "Interest you earn is reported to you on form 1099-INT each January."
ATM_ANSWER = "You can withdraw up to 500 dollars a day from any of our cash machines."
#: The fields a support-shaped output is compared on (those keel's reference agent declares).
CONTRACT = OutputContract(
    categorical=("category", "needs_human_review"), sets=("next_steps", "citations")
)
SUPPORT = StabilityConfig(contract=CONTRACT)


def output(category: str, answer: str, steps: list[str], cites: list[str], review: bool = False):
    return {
        "category": category,
        "answer": answer,
        "next_steps": steps,
        "disclaimer": "",
        "needs_human_review": review,
        "citations": [{"source": "kb", "id": c} for c in cites],
    }


def tools(*names: str) -> list[ToolStep]:
    return [ToolStep(name, f"digest-{name}") for name in names]


def fixture_generations(with_tools: bool = True) -> list[Generation]:
    """Four generations whose components are computed by hand in the tests below."""
    path = tools("search", "get") if with_tools else []
    short = tools("search") if with_tools else []
    return [
        Generation("base", output("TAX", TAX_ANSWER, ["a", "b"], ["c1"]), tool_calls=path),
        Generation("seed", output("TAX", TAX_ANSWER, ["a", "b"], ["c1"]), tool_calls=path),
        Generation("P1", output("GENERAL", ATM_ANSWER, ["a"], ["c1", "c2"]), tool_calls=short),
        Generation("P2", None, tool_calls=short),
    ]


def test_hand_computed_fixture_matches_the_formula(minilm: SentenceEmbedder) -> None:
    result = stability(fixture_generations(), minilm, SUPPORT)
    # clusters {1,2} {3} {failed 4}: H = 1.5 ln 2, / ln 4 = 0.75
    assert result.components.semantic == pytest.approx(0.25)
    # category 2/4, review 3/4, next_steps pairs (1+.5+.5)/6, citations (1+.5+.5)/6
    assert result.components.structural == pytest.approx((0.5 + 0.75 + 1 / 3 + 1 / 3) / 4)
    # paths: (1,2)=1, (1,3)=(2,3)=0.5, pairs with the failed one 0
    assert result.components.trajectory == pytest.approx(2 / 6)
    assert result.score == pytest.approx(100 * (0.4 * 0.25 + 0.3 * 0.4791666667 + 0.3 * 2 / 6))
    assert result.score == pytest.approx(34.375)
    assert result.unstable
    assert result.clusters == [0, 0, 1, None]
    assert result.failed == 1


def test_sensitivity_is_the_drop_from_the_seed_only_floor(minilm: SentenceEmbedder) -> None:
    by_label = {
        row.perturbation: row
        for row in stability(fixture_generations(), minilm, SUPPORT).sensitivity
    }
    assert by_label["seed"].score == pytest.approx(100.0)
    # base + P1: sem 0, struct (.5 + 1 + .5 + .5)/4, traj .5
    assert by_label["P1"].score == pytest.approx(100 * (0.3 * 0.625 + 0.3 * 0.5))
    assert by_label["P1"].delta == pytest.approx(100.0 - 33.75)
    # base + P2 (failed): sem 0, struct (.5 + .5 + 0 + 0)/4, traj 0
    assert by_label["P2"].delta == pytest.approx(100.0 - 7.5)


def test_missing_component_renormalises_the_weights(minilm: SentenceEmbedder) -> None:
    result = stability(fixture_generations(with_tools=False), minilm, SUPPORT)
    assert result.components.trajectory is None
    assert result.components.weights == pytest.approx({"semantic": 4 / 7, "structural": 3 / 7})
    assert result.score == pytest.approx(100 * (0.4 * 0.25 + 0.3 * 0.4791666667) / 0.7)


def test_combine_with_every_component_missing_is_zero() -> None:
    assert combine({"semantic": None, "structural": None, "trajectory": None}, {}) == 0.0


def test_identical_generations_score_100_with_a_degenerate_interval(
    minilm: SentenceEmbedder,
) -> None:
    same = Generation("seed", output("TAX", TAX_ANSWER, ["a"], ["c1"]), tool_calls=tools("x", "y"))
    result = stability([same] * 5, minilm)
    assert result.score == 100.0
    assert (result.interval.low, result.interval.high) == (100.0, 100.0)
    assert not result.unstable
    assert not any(row.varies for row in result.fields)


def test_same_seed_gives_the_same_interval(minilm: SentenceEmbedder) -> None:
    config = StabilityConfig(seed=7, bootstrap_samples=300, contract=CONTRACT)
    first = stability(fixture_generations(), minilm, config).interval
    again = stability(fixture_generations(), minilm, config).interval
    assert first == again
    assert first.low <= first.high


def test_every_generation_failing_scores_zero(minilm: SentenceEmbedder) -> None:
    result = stability([Generation("seed", None), Generation("P1", None)], minilm)
    assert result.score == 0.0
    assert result.similarity == [[None, None], [None, None]]


def test_fewer_than_two_generations_are_refused(minilm: SentenceEmbedder) -> None:
    with pytest.raises(InvalidInput) as caught:
        stability(fixture_generations()[:1], minilm)
    assert caught.value.field == "generations"


def test_unknown_weight_is_refused(minilm: SentenceEmbedder) -> None:
    config = StabilityConfig(weights={"semantic": 1.0, "vibes": 1.0})
    with pytest.raises(InvalidInput) as caught:
        stability(fixture_generations(), minilm, config)
    assert caught.value.field == "weights"


def test_field_table_names_what_varies_with_modal_values(minilm: SentenceEmbedder) -> None:
    rows = {row.field: row for row in stability(fixture_generations(), minilm, SUPPORT).fields}
    assert rows["category"].modal_value == "TAX"
    assert rows["category"].modal_share == 0.5
    assert rows["category"].varies
    assert rows["disclaimer"].kind == "text"
    assert rows["citations"].modal_value == [{"source": "kb", "id": "c1"}]


def test_s_struct_and_s_sem_compare_the_fields_the_contract_names(
    minilm: SentenceEmbedder,
) -> None:
    rows = [
        ("approve", ["check id"], TAX_ANSWER),
        ("approve", ["check id"], TAX_ANSWER),
        ("deny", ["check id", "call back"], ATM_ANSWER),
    ]
    generations = [
        Generation(
            label, {"decision": d, "steps": steps, "summary": text, "answer": "Noted, thanks."}
        )
        for label, (d, steps, text) in zip(["base", "seed", "P1"], rows, strict=True)
    ]
    declared = OutputContract(categorical=("decision",), sets=("steps",), text=("summary",))
    result = stability(generations, minilm, StabilityConfig(contract=declared))
    # decision 2/3; steps (1 + .5 + .5)/3
    assert result.components.structural == pytest.approx((2 / 3 + 2 / 3) / 2)
    # summaries {1,2} {3}: 1 - H(2/3, 1/3) / log 3
    entropy = -(2 / 3 * math.log(2 / 3) + 1 / 3 * math.log(1 / 3))
    assert result.components.semantic == pytest.approx(1 - entropy / math.log(3))
    assert {row.field: row.kind for row in result.fields}["summary"] == "text"
    # Inferred, the constant `answer` is the text: the summaries' disagreement goes unseen.
    assert stability(generations, minilm).components.semantic == pytest.approx(1.0)


def test_a_contract_without_text_leaves_s_sem_out(minilm: SentenceEmbedder) -> None:
    contract = OutputContract(categorical=("category",), text=())
    result = stability(fixture_generations(), minilm, StabilityConfig(contract=contract))
    assert result.components.semantic is None
    assert result.components.structural == pytest.approx(0.5)


def test_result_is_json_ready(minilm: SentenceEmbedder) -> None:
    import json

    data = stability(fixture_generations(), minilm, SUPPORT).as_dict()
    assert json.loads(json.dumps(data))["labels"] == ["base", "seed", "P1", "P2"]


ANSWERS = [TAX_ANSWER, ATM_ANSWER, "Wires sent after 4 pm leave the next business day.", ""]
generation_strategy = st.builds(
    lambda failed, cat, answer, steps, cites, review, path, label: Generation(
        label,
        None if failed else output(cat, answer, steps, cites, review),
        tool_calls=tools(*path),
    ),
    st.booleans(),
    st.sampled_from(["TAX", "GENERAL", "SECURITY"]),
    st.sampled_from(ANSWERS),
    st.lists(st.sampled_from(["a", "b", "c"]), max_size=3),
    st.lists(st.sampled_from(["c1", "c2"]), max_size=2),
    st.booleans(),
    st.lists(st.sampled_from(["search", "get", "fx"]), max_size=4),
    st.sampled_from(["base", "seed", "P1", "P2", "P3"]),
)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(generation_strategy, min_size=2, max_size=7))
def test_components_lie_in_the_unit_interval(
    minilm: SentenceEmbedder, generations: list[Generation]
) -> None:
    result = stability(generations, minilm, StabilityConfig(bootstrap_samples=50))
    for value in (
        result.components.semantic,
        result.components.structural,
        result.components.trajectory,
    ):
        assert value is None or 0.0 <= value <= 1.0
    assert 0.0 <= result.score <= 100.0
    assert 0.0 <= result.interval.low <= result.interval.high <= 100.0
    assert (
        math.isclose(sum(result.components.weights.values()), 1.0) or not result.components.weights
    )


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(generation_strategy, st.integers(min_value=2, max_value=6))
def test_copies_of_one_successful_generation_score_100(
    minilm: SentenceEmbedder, generation: Generation, copies: int
) -> None:
    result = stability([generation] * copies, minilm, StabilityConfig(bootstrap_samples=20))
    assert result.score == (0.0 if generation.failed else 100.0)


def test_trajectory_agreement_over_every_generation_is_the_scores_s_traj(
    minilm: SentenceEmbedder,
) -> None:
    generations = fixture_generations()
    expected = stability(generations, minilm, SUPPORT).components.trajectory
    assert trajectory_agreement(generations) == pytest.approx(expected)


def test_trajectory_agreement_over_a_subset_compares_only_its_pairs() -> None:
    base, seed, p1, failed = fixture_generations()
    # (base, seed) = 1, (base, P1) = (seed, P1) = 0.5: mean 2/3; without P1 the paths are equal
    assert trajectory_agreement([base, seed, p1]) == pytest.approx(2 / 3)
    assert trajectory_agreement([base, seed]) == pytest.approx(1.0)
    assert trajectory_agreement([base, failed]) == pytest.approx(0.0)


def test_trajectory_agreement_without_tool_calls_is_missing() -> None:
    assert trajectory_agreement(fixture_generations(with_tools=False)) is None


def test_identical_answers_whose_p1_search_was_reworded_score_100(
    minilm: SentenceEmbedder,
) -> None:
    answer = output("TAX", TAX_ANSWER, ["a", "b"], ["c1"])
    generations = [
        Generation(label, answer, tool_calls=[ToolStep("knowledge.search", digest)])
        for label, digest in (("base", "q"), ("seed", "q"), ("P1", "q-reworded"), ("P1", "q-2"))
    ]
    result = stability(generations, minilm, SUPPORT)
    assert result.components.trajectory == pytest.approx(1.0)
    assert result.score == pytest.approx(100.0) and not result.unstable
