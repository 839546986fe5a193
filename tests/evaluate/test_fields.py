from __future__ import annotations

import numpy as np
import pytest

from keel.evaluate.contract import OutputContract
from keel.evaluate.fields import (
    category_codes,
    field_variance,
    item_set,
    modal_share,
    set_jaccard,
    set_similarity_matrix,
)


def test_set_jaccard_folds_case_and_spaces_and_ignores_order() -> None:
    a = item_set(["Call us", "Lock  the card"])
    b = item_set(["lock the card", "call US"])
    assert set_jaccard(a, b) == 1.0
    assert set_jaccard(item_set(["x", "y"]), item_set(["y", "z"])) == pytest.approx(1 / 3)
    assert set_jaccard(frozenset(), frozenset()) == 1.0


def test_citations_compare_as_objects_whatever_their_key_order() -> None:
    a = item_set([{"source": "kb", "id": "1"}])
    b = item_set([{"id": "1", "source": "kb"}])
    assert a == b


def test_modal_share_counts_failures_in_the_denominator_only() -> None:
    codes = category_codes(
        [{"category": "TAX"}, {"category": "TAX"}, None, {"category": "X"}], "category"
    )
    assert codes.tolist() == [0, 0, -1, 1]
    assert modal_share(codes) == 0.5
    assert modal_share(np.array([-1, -1])) == 0.0


def test_failed_rows_of_a_set_matrix_agree_with_nothing() -> None:
    matrix = set_similarity_matrix([{"next_steps": []}, None], "next_steps")
    assert matrix.tolist() == [[1.0, 0.0], [0.0, 0.0]]


def test_field_variance_puts_the_most_varying_field_first() -> None:
    outputs = [
        {"category": "TAX", "needs_human_review": False, "next_steps": ["a"]},
        {"category": "TAX", "needs_human_review": True, "next_steps": ["a"]},
        {"category": "TAX", "needs_human_review": True, "next_steps": ["a"]},
    ]
    rows = field_variance(outputs, OutputContract(categorical=("category", "needs_human_review")))
    assert [row.field for row in rows] == ["needs_human_review", "category", "next_steps"]
    assert rows[0].modal_value is True
    assert rows[0].modal_share == pytest.approx(2 / 3)
    assert not rows[1].varies


def test_fields_are_typed_by_the_contract_before_their_values() -> None:
    outputs = [
        {"verdict": "ok then", "steps": "one", "note": "free text here"},
        {"verdict": "ok then", "steps": "two", "note": "more text there"},
    ]
    contract = OutputContract(categorical=("verdict",), sets=("steps",), text=())
    kinds = {row.field: row.kind for row in field_variance(outputs, contract)}
    assert kinds == {"verdict": "categorical", "steps": "set", "note": "text"}
