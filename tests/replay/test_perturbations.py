"""P1 paraphrase, P2 shuffle, P3 constraints and the replay plan: seeded, recorded, faithful."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from keel.replay.constraints import ConstraintKind, ToolConstraint, choose_constraint
from keel.replay.paraphrase import paraphrase
from keel.replay.plan import Perturbation, derive_seed, parse_perturbations, plan_replays
from keel.replay.shuffle import apply_order, shuffled_order
from keel.sdk.tool_constraints import truncate_text

TICKET = (
    "Hi, I want to withdraw money from my savings account but I do not understand the fee. "
    "Can you explain whether it is taxable? Thanks."
)


def test_paraphrase_is_seeded_and_changes_the_text() -> None:
    assert paraphrase(TICKET, 7) == paraphrase(TICKET, 7)
    rewrites = {paraphrase(TICKET, seed) for seed in range(10)}
    assert TICKET not in rewrites
    assert len(rewrites) >= 5


def test_paraphrase_keeps_the_content_words() -> None:
    for seed in range(20):
        rewrite = paraphrase(TICKET, seed).lower()
        for word in ("withdraw", "savings account", "fee", "taxable"):
            assert word in rewrite, (seed, rewrite)


def test_paraphrase_of_an_instruction_keeps_its_prohibitions() -> None:
    instruction = "You are a bank support agent. Never ask for a full card number."
    for seed in range(10):
        rewrite = paraphrase(instruction, seed, is_message=False).lower()
        assert "card number" in rewrite
        assert "never" in rewrite or "under no circumstances" in rewrite


def test_text_with_nothing_to_rewrite_comes_back_unchanged() -> None:
    assert paraphrase("xyzzy 42", 1, is_message=False) == "xyzzy 42"


@given(st.integers(min_value=2, max_value=30), st.integers(min_value=0, max_value=2**31 - 1))
def test_shuffle_is_a_real_permutation(n_items: int, seed: int) -> None:
    order = shuffled_order(n_items, seed)
    assert sorted(order) == list(range(n_items))
    assert order != list(range(n_items))
    assert apply_order(list("abcdefghijklmnopqrstuvwxyz0123")[:n_items], order) == [
        "abcdefghijklmnopqrstuvwxyz0123"[i] for i in order
    ]


def test_constraints_respect_what_the_run_used() -> None:
    single_tool = {choose_constraint(["knowledge.search"], s).kind for s in range(50)}
    assert ConstraintKind.UNAVAILABLE not in single_tool
    tools = ["knowledge.search", "account.lookup"]
    seen = {choose_constraint(tools, s, retrieval_tool="knowledge.search", k=4) for s in range(80)}
    assert {c.kind for c in seen} == set(ConstraintKind)
    for constraint in seen:
        if constraint.kind == ConstraintKind.UNAVAILABLE:
            assert constraint.tool == "account.lookup"
        if constraint.kind == ConstraintKind.SMALLER_K:
            assert constraint.k == 2
        assert ToolConstraint.from_dict(constraint.as_dict()) == constraint


def test_truncation_marks_the_cut() -> None:
    assert truncate_text("abcdef", 3) == "abc [truncated]"
    assert truncate_text("abc", 3) == "abc"


def test_plan_always_includes_the_seed_only_noise_floor() -> None:
    specs = plan_replays(parse_perturbations("P1,p3"), samples=2, seed=5)
    kinds = [spec.perturbation for spec in specs]
    assert kinds == [Perturbation.SEED] * 2 + [Perturbation.P1] * 2 + [Perturbation.P3] * 2
    assert plan_replays([Perturbation.P1], 2, 5) == plan_replays([Perturbation.P1], 2, 5)
    assert len({spec.generation_seed for spec in specs}) == len(specs)
    other_run = plan_replays(parse_perturbations("P1,p3"), samples=2, seed=5, inputs_key="other")
    assert [s.perturbation_seed for s in other_run] != [s.perturbation_seed for s in specs]
    assert [s.generation_seed for s in other_run] == [s.generation_seed for s in specs]
    assert derive_seed(1, "a") != derive_seed(2, "a")
