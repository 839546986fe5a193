"""`@keel.replayable` records the output contract it is given, as plain data."""

from __future__ import annotations

import json
from typing import Any

import pytest

import keel
from keel.core.records import DECLARED_CONTRACT_KEY
from keel.evaluate.contract import OutputContract, contract_for
from keel.sdk.replayable import recorded_inputs


def loan(application: str, applicant_id: str) -> dict[str, Any]:
    return {"grade": "B", "reasons": ["income"], "memo": application}


def test_the_declared_contract_is_recorded_and_read_back_as_declared() -> None:
    decorated = keel.replayable(
        loan,
        workflow_type="loans",
        user_input="application",
        categorical=("grade",),
        sets=("reasons",),
        text=("memo",),
        categories={"grade": ("A", "B", "C")},
        decision="grade",
        item_key="applicant_id",
    )
    inputs = recorded_inputs(loan, decorated.__keel_replayable__, ("Need 5k", "ap-9"), {})
    assert inputs is not None
    json.dumps(inputs)  # plain data, as a run stores it
    assert inputs["applicant_id"] == "ap-9"
    assert contract_for("loans", inputs) == OutputContract(
        "loans",
        categorical=("grade",),
        sets=("reasons",),
        text=("memo",),
        categories={"grade": ("A", "B", "C")},
        decision="grade",
        item_key="applicant_id",
    )


def test_without_a_declaration_no_contract_is_recorded() -> None:
    decorated = keel.replayable(loan, workflow_type="loans", user_input="application")
    inputs = recorded_inputs(loan, decorated.__keel_replayable__, ("Need 5k", "ap-9"), {})
    assert inputs is not None and DECLARED_CONTRACT_KEY not in inputs


def test_a_bare_string_of_fields_is_refused() -> None:
    with pytest.raises(TypeError, match="tuple of strings"):
        keel.replayable(workflow_type="loans", categorical="grade")  # type: ignore[arg-type]


def test_an_item_key_that_is_no_parameter_is_refused() -> None:
    with pytest.raises(TypeError, match="unknown parameters"):
        keel.replayable(loan, workflow_type="loans", item_key="ticket_id")
