from __future__ import annotations

from collections import Counter

import pytest
from hypothesis import given
from hypothesis import strategies as st

from keel.evaluate.generation import Generation, ToolStep
from keel.evaluate.trajectory import (
    generation_similarity,
    multiset_jaccard,
    parallel_steps,
    path_similarity,
    step_levenshtein,
)


def call(name: str, start: float | None = None, end: float | None = None) -> ToolStep:
    return ToolStep(tool_name=name, args_digest=f"d-{name}", started_at=start, ended_at=end)


def test_hand_computed_path_similarity_of_a_dropped_call() -> None:
    # steps [A, B, C] vs [A, C]: one deletion of 3 -> 1/3; multiset Jaccard 2/3.
    a = [call("A"), call("B"), call("C")]
    b = [call("A"), call("C")]
    assert step_levenshtein(parallel_steps(a), parallel_steps(b)) == pytest.approx(1 / 3)
    assert path_similarity(a, b) == pytest.approx(0.5 * (2 / 3) + 0.5 * (2 / 3))


def test_overlapping_calls_form_one_step_and_chains_of_overlap_join() -> None:
    calls = [call("A", 0, 2), call("B", 1, 3), call("C", 2.5, 4), call("D", 5, 6)]
    assert parallel_steps(calls) == [Counter(["a:d-A", "b:d-B", "c:d-C"]), Counter(["d:d-D"])]


def test_back_to_back_calls_are_sequential() -> None:
    assert len(parallel_steps([call("A", 0, 1), call("B", 1, 2)])) == 2


def test_calls_without_times_keep_the_given_order() -> None:
    assert parallel_steps([call("B"), call("A")]) == [Counter(["b:d-B"]), Counter(["a:d-A"])]


def test_same_tools_with_other_arguments_are_different_calls() -> None:
    a = [ToolStep("search", "digest-1")]
    b = [ToolStep("search", "digest-2")]
    assert path_similarity(a, b) == 0.0


def test_sequential_reordering_lowers_similarity_but_keeps_the_multiset() -> None:
    a = [call("A", 0, 1), call("B", 2, 3)]
    b = [call("B", 0, 1), call("A", 2, 3)]
    assert path_similarity(a, b) == pytest.approx(0.5)


def test_multiset_jaccard_counts_repeats() -> None:
    assert multiset_jaccard(Counter("aab"), Counter("ab")) == pytest.approx(2 / 3)
    assert multiset_jaccard(Counter(), Counter()) == 1.0


names = st.sampled_from(["search", "get_doc", "balance", "limits", "fx"])


@st.composite
def timed_paths(draw: st.DrawFn) -> tuple[list[ToolStep], list[ToolStep]]:
    """A path of parallel groups, and the same path with each group's calls reordered."""
    groups = draw(st.lists(st.lists(names, min_size=1, max_size=4), min_size=1, max_size=5))
    original, shuffled = [], []
    for index, group in enumerate(groups):
        start = index * 10.0
        spans = [(start + k * 0.1, start + 5.0) for k in range(len(group))]
        order = draw(st.permutations(range(len(group))))
        original += [call(name, *spans[k]) for k, name in enumerate(group)]
        shuffled += [call(group[k], *spans[pos]) for pos, k in enumerate(order)]
    return original, draw(st.permutations(shuffled))


@given(timed_paths())
def test_reordering_parallel_calls_never_lowers_similarity(
    paths: tuple[list[ToolStep], list[ToolStep]],
) -> None:
    original, reordered = paths
    assert path_similarity(original, reordered) == 1.0


@given(st.lists(names, max_size=6), st.lists(names, max_size=6))
def test_path_similarity_is_symmetric_and_in_unit_interval(a: list[str], b: list[str]) -> None:
    path_a, path_b = [call(n) for n in a], [call(n) for n in b]
    value = path_similarity(path_a, path_b)
    assert 0.0 <= value <= 1.0
    assert value == pytest.approx(path_similarity(path_b, path_a))
    assert path_similarity(path_a, path_a) == 1.0


def test_openai_and_dotted_spellings_of_one_call_are_the_same_step() -> None:
    a = [ToolStep("knowledge.search", "d")]
    b = [ToolStep("knowledge_search", "d")]
    assert path_similarity(a, b) == pytest.approx(1.0)


def test_a_paraphrase_reworded_query_is_not_a_different_path() -> None:
    # P1 rewrites the message the agent searches with: only the query's digest differs.
    base = Generation("base", {}, tool_calls=[ToolStep("knowledge.search", "q-original")])
    p1 = Generation("P1 #2", {}, tool_calls=[ToolStep("knowledge.search", "q-paraphrased")])
    p2 = Generation("P2", {}, tool_calls=[ToolStep("knowledge.search", "q-other")])
    assert generation_similarity(base, p1) == 1.0 == generation_similarity(p1, base)
    assert generation_similarity(base, p2) == 0.0  # other perturbations keep their arguments
    skipped = Generation("P1", {}, tool_calls=[ToolStep("knowledge.get", "q-original")])
    assert generation_similarity(base, skipped) == 0.0  # another tool still diverges
