"""Disagreement score 0-100: how much N unperturbed generations of one input spread apart.

Stability asks "does the run survive perturbation?"; disagreement asks the prior question "does
the model even agree with itself on the same input?" (the self-consistency idea of
SelfCheckGPT, Manakul et al. 2023, and semantic entropy, Kuhn et al. 2023). Three spreads, each
in [0, 1], averaged with equal weights (renormalised when one is missing):

    category entropy   H(decision values) / log(min(N, K))   K = number of values it allows
    answer entropy     H(semantic clusters of answers) / log N
    embedding spread   1 - mean pairwise cosine of the answers, clipped to [0, 1]

The decision field, the K values it allows and the answer field come from the workflow's output
contract (inferred from the outputs when none is given; K = N when the values are not a closed
set). Without a decision field the category entropy is missing.

    Disagreement = 100 * mean(present spreads)

A failed generation is its own category value and its own cluster, and is at distance 1 from
every answer: failing is disagreeing.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from keel.core.errors import InvalidInput
from keel.evaluate.clustering import (
    DEFAULT_COSINE_THRESHOLD,
    answer_clusters,
    normalised_entropy,
)
from keel.evaluate.contract import OutputContract, inferred_contract
from keel.evaluate.generation import Generation
from keel.models.embeddings import Embedder

FAILED = "<failed>"


@dataclass(frozen=True)
class DisagreementResult:
    """The score, its three spreads (None = missing), and what produced them.

    `category_entropy` and `categories` are those of the contract's decision field.
    """

    score: float
    category_entropy: float | None
    answer_entropy: float
    embedding_spread: float
    categories: dict[str, int]
    clusters: list[int | None]
    generations: int
    failed: int

    def as_dict(self) -> dict[str, object]:
        """Return the result as JSON-ready plain data."""
        return dataclasses.asdict(self)


def _category_values(generations: Sequence[Generation], field: str | None) -> list[str] | None:
    """Return each generation's decision (failures marked), or None if no output has one."""
    if field is None or not any(g.output is not None and field in g.output for g in generations):
        return None
    return [FAILED if g.output is None else str(g.output.get(field)) for g in generations]


def _embedding_spread(cosine: np.ndarray) -> float:
    """Return 1 - mean pairwise cosine; pairs with a failed generation count as distance 1."""
    upper = cosine[np.triu_indices(cosine.shape[0], k=1)]
    similarity = np.where(np.isnan(upper), 0.0, upper)
    return float(np.clip(1.0 - np.mean(similarity), 0.0, 1.0))


def disagreement(
    generations: Sequence[Generation],
    embed: Embedder,
    cosine_threshold: float = DEFAULT_COSINE_THRESHOLD,
    contract: OutputContract | None = None,
) -> DisagreementResult:
    """Return the disagreement of N >= 2 generations of the same, unperturbed input."""
    if len(generations) < 2:
        raise InvalidInput("disagreement needs at least 2 generations", field="generations")
    contract = contract or inferred_contract([g.output for g in generations])
    clusters, cosine = answer_clusters(generations, embed, cosine_threshold, contract.answer)
    values = _category_values(generations, contract.decision)
    category_entropy = None
    if values is not None:
        allowed = len(contract.decision_values()) or len(values)
        category_entropy = normalised_entropy(values, base=min(len(values), allowed))
    spreads = [
        category_entropy,
        normalised_entropy(clusters),
        _embedding_spread(cosine),
    ]
    present = [s for s in spreads if s is not None]
    return DisagreementResult(
        score=round(100.0 * float(np.mean(present)), 9),
        category_entropy=category_entropy,
        answer_entropy=spreads[1] or 0.0,
        embedding_spread=spreads[2] or 0.0,
        categories=dict(Counter(values or [])),
        clusters=[None if g.failed else int(c) for g, c in zip(generations, clusters, strict=True)],
        generations=len(generations),
        failed=sum(g.failed for g in generations),
    )
