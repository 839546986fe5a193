"""Output contracts: resolution order, round trips, and what inference reads from outputs."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from keel.core.records import DECLARED_CONTRACT_KEY
from keel.evaluate.contract import OutputContract, contract_for, inferred_contract

TICKET = {"category": "TAX", "answer": "Form 1099-INT is sent in January.", "steps": ["a"]}


def test_a_registered_contract_wins_over_a_declared_one(
    test_contracts: dict[str, OutputContract],
) -> None:
    declared = {DECLARED_CONTRACT_KEY: {"categorical": ["other"], "decision": "other"}}
    assert contract_for("loans", declared) == test_contracts["loans"]


def test_a_declared_contract_wins_over_inference() -> None:
    declared = OutputContract(categorical=("verdict",), text=("summary",), item_key="case")
    contract = contract_for("byo", {DECLARED_CONTRACT_KEY: declared.as_dict()}, [TICKET])
    assert contract == OutputContract(
        "byo", categorical=("verdict",), text=("summary",), item_key="case"
    )


def test_an_undeclared_workflow_is_inferred_from_its_outputs() -> None:
    contract = contract_for("byo", {}, [TICKET])
    assert contract.categorical == ("category",)
    assert contract.sets == ("steps",)
    assert contract.answer == "answer"
    assert contract.decision is None and contract.review_flag is None


def test_the_contract_round_trips_through_plain_data() -> None:
    contract = OutputContract(
        "support",
        categorical=("category",),
        sets=("citations",),
        categories={"category": ("TAX", "GENERAL")},
        decision="category",
        review_flag="needs_human_review",
        item_key="ticket_id",
    )
    assert OutputContract.from_dict(contract.as_dict()) == contract


def test_inference_prefers_the_answer_field_else_the_longest_text() -> None:
    with_answer = [{"note": "a much longer piece of free text", "answer": "short text here"}]
    assert inferred_contract(with_answer).answer == "answer"
    without = [{"note": "a much longer piece of free text", "title": "some short text"}]
    assert inferred_contract(without).answer == "note"


values = st.one_of(
    st.booleans(),
    st.integers(),
    st.text(max_size=60),
    st.lists(st.text(max_size=5), max_size=3),
)
outputs_strategy = st.lists(
    st.one_of(st.none(), st.dictionaries(st.sampled_from("abcdef"), values, max_size=5)),
    max_size=6,
)


@settings(deadline=None)
@given(outputs_strategy, st.randoms())
def test_inference_does_not_depend_on_the_order_of_the_outputs(
    outputs: list[dict[str, Any] | None], rng: Any
) -> None:
    shuffled = list(outputs)
    rng.shuffle(shuffled)
    assert inferred_contract(shuffled) == inferred_contract(outputs)


@settings(deadline=None)
@given(outputs_strategy)
def test_a_field_that_is_always_a_list_is_a_set(outputs: list[dict[str, Any] | None]) -> None:
    contract = inferred_contract(outputs)
    lists = {
        key
        for output in outputs
        for key in output or {}
        if all(isinstance(o[key], list) for o in outputs if o and key in o)
    }
    assert set(contract.sets) == lists
    assert not lists & set(contract.categorical + contract.text)
