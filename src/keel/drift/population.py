"""What a population of runs looks like to the drift checks: plain data, no database.

A run's `category` is the value of its workflow's decision field (the output contract's
`decision`; for keel's support agent, its category). The name stays `category` because frozen
baselines store the counts under `categories`, and alerts name the indicator `category_mix`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np


def path_key(tool_path: Sequence[str]) -> str:
    """Return how a population counts a tool path: the tool names in call order."""
    return " > ".join(tool_path) or "(no tools)"


@dataclass
class RunObservation:
    """The parts of one run that drift indicators compare (`category`: its decision)."""

    category: str | None = None
    stability: float | None = None
    cost_usd: float = 0.0
    latency_ms: float | None = None
    tool_path: tuple[str, ...] = ()
    tool_errors: tuple[str, ...] = ()
    flag_rules: tuple[str, ...] = ()
    embedding: list[float] | None = None


@dataclass
class Population:
    """A population of runs summarised for comparison (a baseline, or a window under check)."""

    n_runs: int = 0
    categories: Counter[str] = field(default_factory=Counter)
    stability: list[float] = field(default_factory=list)
    cost_usd: list[float] = field(default_factory=list)
    latency_ms: list[float] = field(default_factory=list)
    paths: Counter[str] = field(default_factory=Counter)
    tool_calls: Counter[str] = field(default_factory=Counter)
    tool_errors: Counter[str] = field(default_factory=Counter)
    flagged_runs: int = 0
    embeddings: list[list[float]] = field(default_factory=list)

    @classmethod
    def from_runs(cls, runs: list[RunObservation], max_embeddings: int = 200) -> Population:
        """Return the population of `runs`, keeping at most `max_embeddings` answer vectors."""
        population = cls(n_runs=len(runs))
        for run in runs:
            if run.category:
                population.categories[run.category] += 1
            if run.stability is not None:
                population.stability.append(run.stability)
            population.cost_usd.append(run.cost_usd)
            if run.latency_ms is not None:
                population.latency_ms.append(run.latency_ms)
            population.paths[path_key(run.tool_path)] += 1
            population.tool_calls.update(run.tool_path)
            population.tool_errors.update(run.tool_errors)
            population.flagged_runs += bool(run.flag_rules)
            if run.embedding is not None and len(population.embeddings) < max_embeddings:
                population.embeddings.append(run.embedding)
        return population

    def embedding_matrix(self) -> np.ndarray:
        """Return the kept answer embeddings as a 2-D array (0 rows when none)."""
        return np.asarray(self.embeddings, dtype=float).reshape(len(self.embeddings), -1)

    def to_json(self) -> dict[str, Any]:
        """Return a JSON-ready dict (what a baseline freezes)."""
        return {
            "n_runs": self.n_runs,
            "categories": dict(self.categories),
            "stability": self.stability,
            "cost_usd": self.cost_usd,
            "latency_ms": self.latency_ms,
            "paths": dict(self.paths),
            "tool_calls": dict(self.tool_calls),
            "tool_errors": dict(self.tool_errors),
            "flagged_runs": self.flagged_runs,
            "embeddings": [[round(x, 5) for x in vector] for vector in self.embeddings],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Population:
        """Return the population frozen by `to_json`."""
        return cls(
            n_runs=int(data["n_runs"]),
            categories=Counter(data["categories"]),
            stability=list(data["stability"]),
            cost_usd=list(data["cost_usd"]),
            latency_ms=list(data["latency_ms"]),
            paths=Counter(data["paths"]),
            tool_calls=Counter(data["tool_calls"]),
            tool_errors=Counter(data["tool_errors"]),
            flagged_runs=int(data["flagged_runs"]),
            embeddings=list(data["embeddings"]),
        )
