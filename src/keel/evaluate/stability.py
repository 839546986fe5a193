"""The stability score: would this run come out the same again? (docs/metrics.md)

    Stability = 100 · (0.4 S_sem + 0.3 S_struct + 0.3 S_traj) / (sum of the weights present)

over R ≥ 2 generations of one run (the base, seed-only replays and perturbed replays):

- S_sem = 1 - H(semantic clusters of the answers) / log R (see `clustering`);
- S_struct = mean of the modal shares of the categorical fields and the mean pairwise set
  Jaccard of the set fields (see `fields`);
- S_traj = mean pairwise tool-path similarity (see `trajectory`).

Which output field is the answer, and which are categorical or sets, the workflow's output
contract says (`StabilityConfig.contract`; without one, it is inferred from the generations).
A component is *missing* when the workflow produces nothing it could compare (no answer text,
no structured fields, no tool calls); the weights of the others are then renormalised. The
interval is a seeded percentile bootstrap over generations (Efron 1979). Sensitivity to a
perturbation P is Δ = S(base + seed-only) - S(base + P).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from keel.core.errors import InvalidInput
from keel.evaluate.bootstrap import (
    modal_shares,
    normalised_entropies,
    pair_means,
    percentile_interval,
    resample_rows,
)
from keel.evaluate.clustering import DEFAULT_COSINE_THRESHOLD, answer_clusters
from keel.evaluate.contract import OutputContract, inferred_contract
from keel.evaluate.fields import (
    FieldVariance,
    category_codes,
    field_variance,
    set_similarity_matrix,
)
from keel.evaluate.generation import BASE, NOISE_FLOOR_LABELS, SEED_ONLY, Generation
from keel.evaluate.trajectory import generation_similarity
from keel.models.embeddings import Embedder

DEFAULT_WEIGHTS: Mapping[str, float] = {"semantic": 0.4, "structural": 0.3, "trajectory": 0.3}
DEFAULT_UNSTABLE_BELOW = 70.0


@dataclass(frozen=True)
class StabilityConfig:
    """Every default of the score, in one place (documented in docs/metrics.md)."""

    weights: Mapping[str, float] = field(default_factory=lambda: dict(DEFAULT_WEIGHTS))
    cosine_threshold: float = DEFAULT_COSINE_THRESHOLD
    unstable_below: float = DEFAULT_UNSTABLE_BELOW
    bootstrap_samples: int = 1000
    confidence: float = 0.95
    seed: int = 0
    #: Which output fields S_sem and S_struct compare; None infers them from the generations.
    contract: OutputContract | None = None


@dataclass(frozen=True)
class Components:
    """The components in [0, 1] (None = missing), the mean pairwise cosine, the weights used."""

    semantic: float | None
    structural: float | None
    trajectory: float | None
    mean_cosine: float | None
    weights: dict[str, float]


@dataclass(frozen=True)
class Interval:
    """A percentile bootstrap interval of the score."""

    low: float
    high: float
    confidence: float
    samples: int
    seed: int


@dataclass(frozen=True)
class Sensitivity:
    """The score of base + one perturbation's generations, and Δ from the seed-only floor."""

    perturbation: str
    generations: int
    score: float | None
    delta: float | None


@dataclass(frozen=True)
class StabilityResult:
    """A run's stability: score, verdict, breakdown, and what the dashboard draws."""

    score: float
    unstable: bool
    threshold: float
    components: Components
    interval: Interval
    sensitivity: list[Sensitivity]
    labels: list[str]
    similarity: list[list[float | None]]
    clusters: list[int | None]
    fields: list[FieldVariance]
    generations: int
    failed: int

    def as_dict(self) -> dict[str, object]:
        """Return the result as JSON-ready plain data."""
        return dataclasses.asdict(self)


@dataclass(frozen=True)
class _Evidence:
    """Per-generation and pairwise facts computed once, then indexed by any subset."""

    clusters: np.ndarray
    cosine: np.ndarray
    categorical: list[np.ndarray]
    sets: list[np.ndarray]
    paths: np.ndarray
    present: dict[str, bool]


def _path_matrix(generations: Sequence[Generation]) -> np.ndarray:
    """Return pairwise tool-path similarity; a failed generation's row is 0, as it agrees
    with nothing (its path was cut short by the failure)."""
    size = len(generations)
    matrix = np.zeros((size, size))
    for i in range(size):
        if generations[i].failed:
            continue
        matrix[i, i] = 1.0
        for j in range(i + 1, size):
            if not generations[j].failed:
                similarity = generation_similarity(generations[i], generations[j])
                matrix[i, j] = matrix[j, i] = similarity
    return matrix


def trajectory_agreement(generations: Sequence[Generation]) -> float | None:
    """Return S_traj of `generations` alone: mean pairwise tool-path similarity (None = no calls).

    The score computes the same over every generation of a budget; this lets a study compute it
    over a subset (bench/validity.py leaves out the tool-constrained P3 replays).
    """
    if not any(g.tool_calls for g in generations):
        return None
    rows = np.arange(len(generations))[None, :]
    return float(pair_means(_path_matrix(generations), rows)[0])


def _evidence(
    generations: Sequence[Generation],
    embed: Embedder,
    config: StabilityConfig,
    contract: OutputContract,
) -> _Evidence:
    outputs = [g.output for g in generations]
    succeeded = [o for o in outputs if o is not None]
    categorical = [f for f in contract.categorical if any(f in o for o in succeeded)]
    sets = [f for f in contract.sets if any(f in o for o in succeeded)]
    answer = contract.answer
    clusters, cosine = answer_clusters(generations, embed, config.cosine_threshold, answer)
    present = {
        "semantic": not succeeded or any(g.answer_text(answer) for g in generations),
        "structural": not succeeded or bool(categorical or sets),
        "trajectory": any(g.tool_calls for g in generations),
    }
    return _Evidence(
        clusters=clusters,
        cosine=cosine,
        categorical=[category_codes(outputs, f) for f in categorical],
        sets=[set_similarity_matrix(outputs, f) for f in sets],
        paths=_path_matrix(generations),
        present=present,
    )


def _mean_cosine(evidence: _Evidence, index: np.ndarray) -> float | None:
    sub = evidence.cosine[np.ix_(index, index)]
    upper = sub[np.triu_indices(len(index), k=1)]
    upper = upper[~np.isnan(upper)]
    return float(np.mean(upper)) if upper.size else None


def _component_rows(evidence: _Evidence, rows: np.ndarray) -> dict[str, np.ndarray | None]:
    """Return S_sem, S_struct, S_traj for each row of generation indices (None = missing)."""
    present = evidence.present
    semantic = None
    if present["semantic"]:
        semantic = 1.0 - normalised_entropies(evidence.clusters, rows)
    parts = [modal_shares(codes, rows) for codes in evidence.categorical]
    parts += [pair_means(matrix, rows) for matrix in evidence.sets]
    structural = None
    if present["structural"]:
        structural = np.mean(parts, axis=0) if parts else np.zeros(len(rows))
    trajectory = pair_means(evidence.paths, rows) if present["trajectory"] else None
    return {"semantic": semantic, "structural": structural, "trajectory": trajectory}


def _components(evidence: _Evidence, index: np.ndarray) -> dict[str, float | None]:
    """Return S_sem, S_struct, S_traj of the generations at `index` (None = missing)."""
    rows = _component_rows(evidence, index[None, :])
    return {name: None if value is None else float(value[0]) for name, value in rows.items()}


def used_weights(
    components: Mapping[str, float | None], weights: Mapping[str, float]
) -> dict[str, float]:
    """Return the weights of the present components, renormalised to sum to 1."""
    kept = {name: weights[name] for name, value in components.items() if value is not None}
    total = sum(kept.values())
    return {name: w / total for name, w in kept.items()} if total > 0 else {}


def combine(components: Mapping[str, float | None], weights: Mapping[str, float]) -> float:
    """Return 100 · Σ w_c S_c over present components with renormalised weights (0 if none)."""
    used = used_weights(components, weights)
    value = sum(w * (components[name] or 0.0) for name, w in used.items())
    return 100.0 * min(1.0, max(0.0, round(value, 12)))


def _score(evidence: _Evidence, index: np.ndarray, weights: Mapping[str, float]) -> float:
    return combine(_components(evidence, index), weights)


def _scores(evidence: _Evidence, rows: np.ndarray, weights: Mapping[str, float]) -> np.ndarray:
    """Return the score of each row of generation indices (the bootstrap's resamples)."""
    parts = _component_rows(evidence, rows)
    used = used_weights({k: None if v is None else 0.0 for k, v in parts.items()}, weights)
    total = np.zeros(len(rows))
    for name, weight in used.items():
        if (values := parts[name]) is not None:
            total = total + weight * values
    return 100.0 * np.clip(np.round(total, 12), 0.0, 1.0)


def _interval(evidence: _Evidence, size: int, config: StabilityConfig) -> Interval:
    low = high = 0.0
    if config.bootstrap_samples > 0:
        rows = resample_rows(size, config.bootstrap_samples, config.seed)
        low, high = percentile_interval(_scores(evidence, rows, config.weights), config.confidence)
    return Interval(low, high, config.confidence, config.bootstrap_samples, config.seed)


def _sensitivity(
    generations: Sequence[Generation], evidence: _Evidence, config: StabilityConfig
) -> list[Sensitivity]:
    labels = [g.perturbation for g in generations]
    base = [i for i, label in enumerate(labels) if label == BASE]

    def group_score(label: str) -> tuple[int, float | None]:
        index = np.array(base + [i for i, x in enumerate(labels) if x == label])
        return len(index), _score(evidence, index, config.weights) if len(index) >= 2 else None

    _, floor = group_score(SEED_ONLY) if SEED_ONLY in labels else (0, None)
    rows = []
    for label in dict.fromkeys(x for x in labels if x not in NOISE_FLOOR_LABELS):
        count, score = group_score(label)
        delta = floor - score if floor is not None and score is not None else None
        rows.append(Sensitivity(label, count, score, delta))
    if floor is not None:
        rows.insert(0, Sensitivity(SEED_ONLY, group_score(SEED_ONLY)[0], floor, 0.0))
    return rows


def generation_labels(generations: Sequence[Generation]) -> list[str]:
    """Return a row label per generation: its perturbation, numbered when it repeats."""
    totals: dict[str, int] = {}
    for g in generations:
        totals[g.perturbation] = totals.get(g.perturbation, 0) + 1
    seen: dict[str, int] = {}
    labels = []
    for g in generations:
        seen[g.perturbation] = seen.get(g.perturbation, 0) + 1
        many = totals[g.perturbation] > 1
        labels.append(f"{g.perturbation}#{seen[g.perturbation]}" if many else g.perturbation)
    return labels


def _validate(generations: Sequence[Generation], config: StabilityConfig) -> None:
    if len(generations) < 2:
        raise InvalidInput("stability needs at least 2 generations", field="generations")
    unknown = set(config.weights) ^ set(DEFAULT_WEIGHTS)
    if unknown or any(w < 0 or not math.isfinite(w) for w in config.weights.values()):
        raise InvalidInput(
            f"weights must be finite, >= 0, for exactly {sorted(DEFAULT_WEIGHTS)}", field="weights"
        )
    if not 0.0 < config.confidence < 1.0:
        raise InvalidInput("confidence must lie in (0, 1)", field="confidence")


def stability(
    generations: Sequence[Generation],
    embed: Embedder,
    config: StabilityConfig | None = None,
) -> StabilityResult:
    """Return the stability of a run from its generations (see the module docstring)."""
    config = config or StabilityConfig()
    _validate(generations, config)
    outputs = [g.output for g in generations]
    contract = config.contract or inferred_contract(outputs)
    evidence = _evidence(generations, embed, config, contract)
    everyone = np.arange(len(generations))
    components = _components(evidence, everyone)
    score = combine(components, config.weights)
    return StabilityResult(
        score=score,
        unstable=score < config.unstable_below,
        threshold=config.unstable_below,
        components=Components(
            **components,
            mean_cosine=_mean_cosine(evidence, everyone),
            weights=used_weights(components, config.weights),
        ),
        interval=_interval(evidence, len(generations), config),
        sensitivity=_sensitivity(generations, evidence, config),
        labels=generation_labels(generations),
        similarity=[[None if math.isnan(x) else float(x) for x in row] for row in evidence.cosine],
        clusters=[
            None if g.failed else int(c)
            for g, c in zip(generations, evidence.clusters, strict=True)
        ],
        fields=field_variance(outputs, contract),
        generations=len(generations),
        failed=sum(g.failed for g in generations),
    )
