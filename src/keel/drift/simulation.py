"""Synthetic populations with controllable shifts, to measure false alarms and detection power.

Each run draws a category from a mix, a tool path from a per-category path table, a stability
from a Beta distribution, a log-normal cost and latency, and an answer embedding from a
per-category Gaussian cluster. A shift moves exactly one of these by `size` in [0, 1].
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from keel.drift.population import Population, RunObservation

CATEGORIES = ("WITHDRAWAL", "TAX", "SECURITY", "TRANSFER", "GENERAL")
BASE_MIX = np.array([0.3, 0.15, 0.15, 0.25, 0.15])
PATHS = {
    "WITHDRAWAL": [("knowledge.search", "account.lookup"), ("knowledge.search",)],
    "TAX": [("knowledge.search",), ("knowledge.search", "transactions.list")],
    "SECURITY": [("account.lookup", "knowledge.search"), ("knowledge.search",)],
    "TRANSFER": [("knowledge.search", "transactions.list"), ("transactions.list",)],
    "GENERAL": [("knowledge.search",), ()],
}
SHIFTS = ("none", "category_mix", "tool_path", "stability", "answer_content")
EMBEDDING_DIM = 16


@dataclass(frozen=True)
class Shift:
    """Which aspect moves, and how far (0 = not at all, 1 = fully)."""

    kind: str = "none"
    size: float = 0.0


def _centres(seed: int = 12345) -> np.ndarray:
    return np.random.default_rng(seed).normal(size=(len(CATEGORIES), EMBEDDING_DIM))


def _run(rng: np.random.Generator, shift: Shift, centres: np.ndarray) -> RunObservation:
    mix = BASE_MIX
    if shift.kind == "category_mix":
        target = np.array([0.15, 0.4, 0.15, 0.15, 0.15])
        mix = (1 - shift.size) * BASE_MIX + shift.size * target
    index = int(rng.choice(len(CATEGORIES), p=mix))
    category = CATEGORIES[index]
    options = PATHS[category]
    path = options[int(rng.random() < 0.3)] if len(options) > 1 else options[0]
    if shift.kind == "tool_path" and rng.random() < shift.size:
        path = ("db.query", *path)
    a, b = 8.0, 2.0
    if shift.kind == "stability":
        a = 8.0 - 6.0 * shift.size
    stability = 100.0 * rng.beta(a, b)
    centre = centres[index]
    if shift.kind == "answer_content":
        centre = centre + shift.size * 1.5 * np.ones(EMBEDDING_DIM) / np.sqrt(EMBEDDING_DIM)
    embedding = centre + rng.normal(scale=1.0, size=EMBEDDING_DIM)
    errors = tuple(tool for tool in path if rng.random() < 0.02)
    return RunObservation(
        category=category,
        stability=float(stability),
        cost_usd=float(rng.lognormal(-7, 0.3)),
        latency_ms=float(rng.lognormal(6, 0.4)),
        tool_path=path,
        tool_errors=errors,
        flag_rules=("tax_topic",) if category == "TAX" and rng.random() < 0.5 else (),
        embedding=[float(x) for x in embedding],
    )


def population_runs(n_runs: int, seed: int, shift: Shift | None = None) -> list[RunObservation]:
    """Return `n_runs` synthetic runs drawn with `seed`, shifted by `shift`."""
    rng = np.random.default_rng(seed)
    centres = _centres()
    return [_run(rng, shift or Shift(), centres) for _ in range(n_runs)]


def population(n_runs: int, seed: int, shift: Shift | None = None) -> Population:
    """Return a synthetic population of `n_runs` runs drawn with `seed`, shifted by `shift`."""
    return Population.from_runs(population_runs(n_runs, seed, shift))
