"""Seeded sampling primitives: tempered softmax, one draw, and k draws without replacement.

Temperature 0 means greedy (argmax, ties to the earliest); above 0 the logits are divided by
the temperature, as in an LLM's decoder. Every draw takes an explicit numpy Generator, so the
same seed gives the same choices.
"""

from __future__ import annotations

import numpy as np


def tempered_softmax(logits: np.ndarray, temperature: float) -> np.ndarray:
    """Return softmax(logits / temperature); one-hot on the argmax when temperature is 0."""
    logits = np.asarray(logits, dtype=np.float64)
    if temperature <= 0:
        probs = np.zeros_like(logits)
        probs[int(np.argmax(logits))] = 1.0
        return probs
    scaled = (logits - logits.max()) / temperature
    weights = np.exp(scaled)
    return weights / weights.sum()


def softmax_rows(logits: np.ndarray) -> np.ndarray:
    """Return the softmax of each row of a 2-D array of logits."""
    if logits.size == 0:
        return logits
    shifted = np.exp(logits - logits.max(axis=1, keepdims=True))
    return shifted / shifted.sum(axis=1, keepdims=True)


def sample_index(logits: np.ndarray, temperature: float, rng: np.random.Generator) -> int:
    """Return one index drawn from softmax(logits / temperature)."""
    probs = tempered_softmax(logits, temperature)
    if temperature <= 0:
        return int(np.argmax(probs))
    return int(rng.choice(len(probs), p=probs))


def sample_without_replacement(
    logits: np.ndarray, k: int, temperature: float, rng: np.random.Generator
) -> list[int]:
    """Return `k` distinct indices in draw order (Gumbel-top-k: sequential softmax sampling).

    Gumbel-top-k draws the same distribution as sampling one item at a time from the tempered
    softmax and removing it (Kool et al., 2019, "Stochastic Beams and Where to Find Them").
    """
    logits = np.asarray(logits, dtype=np.float64)
    k = min(k, len(logits))
    if k <= 0:
        return []
    keys = logits if temperature <= 0 else logits / temperature + rng.gumbel(size=len(logits))
    # stable sort so greedy ties keep their original order
    return [int(i) for i in np.argsort(-keys, kind="stable")[:k]]
