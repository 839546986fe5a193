from __future__ import annotations

import math

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from keel.core.errors import InvalidInput
from keel.evaluate.contract import OutputContract
from keel.evaluate.disagreement import disagreement
from keel.evaluate.generation import Generation
from keel.models.embeddings import SentenceEmbedder

TAX = "Interest you earn is reported to you on form 1099-INT each January."
ATM = "You can withdraw up to 500 dollars a day from any of our cash machines."
FIVE = ("TAX", "SECURITY", "LEGAL", "GENERAL", "TRANSFER")
#: A decision over five categories, as keel's support agent declares its own.
CONTRACT = OutputContract(
    categorical=("category",), decision="category", categories={"category": FIVE}
)


def gen(category: str | None, answer: str) -> Generation:
    output = None if category is None else {"category": category, "answer": answer}
    return Generation("seed", output)


def test_hand_computed_disagreement(minilm: SentenceEmbedder) -> None:
    generations = [gen("TAX", TAX), gen("TAX", TAX), gen("GENERAL", ATM), gen(None, "")]
    cos = float(minilm.encode([TAX, ATM]).prod(axis=0).sum())
    result = disagreement(generations, minilm, contract=CONTRACT)
    # categories TAX TAX GENERAL <failed>: H = 1.5 ln 2, normalised by ln min(4, 5)
    assert result.category_entropy == pytest.approx(0.75)
    assert result.answer_entropy == pytest.approx(0.75)
    # pairs: (1,2) cosine 1, (1,3) and (2,3) cosine c, the three with the failure 0
    assert result.embedding_spread == pytest.approx(1 - (1 + 2 * cos) / 6, abs=1e-6)
    assert result.score == pytest.approx(100 * (0.75 + 0.75 + result.embedding_spread) / 3)
    assert result.categories == {"TAX": 2, "GENERAL": 1, "<failed>": 1}


def test_identical_generations_do_not_disagree(minilm: SentenceEmbedder) -> None:
    assert disagreement([gen("TAX", TAX)] * 4, minilm).score == pytest.approx(0.0, abs=1e-6)


def test_category_entropy_is_normalised_by_the_number_of_categories(
    minilm: SentenceEmbedder,
) -> None:
    five = [gen(c, TAX) for c in FIVE * 3]
    assert disagreement(five, minilm, contract=CONTRACT).category_entropy == pytest.approx(1.0)
    # An open decision is normalised by the number of generations instead: log 5 / log 15.
    open_decision = OutputContract(categorical=("category",), decision="category")
    result = disagreement(five, minilm, contract=open_decision)
    assert result.category_entropy == pytest.approx(math.log(5) / math.log(15))


def test_without_a_declared_decision_there_is_no_category_entropy(
    minilm: SentenceEmbedder,
) -> None:
    # Inferred from the outputs, `category` is a categorical field but nobody said it decides.
    result = disagreement([gen("TAX", TAX), gen("GENERAL", ATM)], minilm)
    assert result.category_entropy is None and result.categories == {}


def test_flipping_decisions_disagree_more_than_steady_ones(minilm: SentenceEmbedder) -> None:
    steady = [gen("TAX", TAX)] * 7 + [gen("GENERAL", ATM)]
    flipping = [gen("TAX", TAX)] * 4 + [gen("GENERAL", ATM)] * 4
    assert disagreement(flipping, minilm, contract=CONTRACT).score > (
        disagreement(steady, minilm, contract=CONTRACT).score
    )


def test_without_a_category_field_the_other_parts_carry_the_score(
    minilm: SentenceEmbedder,
) -> None:
    result = disagreement([Generation("seed", {"answer": TAX})] * 2, minilm)
    assert result.category_entropy is None
    assert result.score == pytest.approx(0.0, abs=1e-6)


def test_one_generation_is_refused(minilm: SentenceEmbedder) -> None:
    with pytest.raises(InvalidInput) as caught:
        disagreement([gen("TAX", TAX)], minilm)
    assert caught.value.field == "generations"


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.lists(
        st.tuples(st.sampled_from(["TAX", "GENERAL", None]), st.sampled_from([TAX, ATM, ""])),
        min_size=2,
        max_size=8,
    )
)
def test_disagreement_lies_in_0_100(
    minilm: SentenceEmbedder, rows: list[tuple[str | None, str]]
) -> None:
    result = disagreement([gen(c, a) for c, a in rows], minilm, contract=CONTRACT)
    assert 0.0 <= result.score <= 100.0
    for part in (result.category_entropy, result.answer_entropy, result.embedding_spread):
        assert part is None or 0.0 <= part <= 1.0
