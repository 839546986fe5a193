"""Freeze a population of stored runs as a named baseline."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from sqlalchemy.orm import Session

from keel.core.errors import Conflict
from keel.drift.empty import nothing_matched
from keel.drift.facts import workflow_facts
from keel.drift.population import Population, RunObservation
from keel.govern import audit
from keel.store.drift import DriftFacts, PopulationFilter, get_baseline, save_baseline
from keel.store.models import Baseline

#: Turns answer texts into vectors (keel.evaluate's embedder); None leaves content drift out.
Embed = Callable[[list[str]], Sequence[Sequence[float]]]
MAX_EMBEDDINGS = 200


def observe(facts: list[DriftFacts], embed: Embed | None) -> list[RunObservation]:
    """Return drift observations of `facts`, embedding up to MAX_EMBEDDINGS answers."""
    vectors: dict[int, list[float]] = {}
    if embed is not None:
        with_answer = [i for i, fact in enumerate(facts) if fact.answer][:MAX_EMBEDDINGS]
        encoded = embed([facts[i].answer or "" for i in with_answer])
        vectors = {
            i: [float(x) for x in vector] for i, vector in zip(with_answer, encoded, strict=True)
        }
    return [
        RunObservation(
            category=fact.decision,
            stability=fact.stability,
            cost_usd=fact.cost_usd,
            latency_ms=fact.latency_ms,
            tool_path=tuple(fact.tool_path),
            tool_errors=tuple(fact.tool_errors),
            flag_rules=tuple(fact.flag_rules),
            embedding=vectors.get(index),
        )
        for index, fact in enumerate(facts)
    ]


def _quantiles(values: list[float]) -> dict[str, float] | None:
    if not values:
        return None
    points = np.quantile(values, [0.05, 0.25, 0.5, 0.75, 0.95])
    labels = ("p05", "p25", "p50", "p75", "p95")
    return {"mean": float(np.mean(values))} | dict(zip(labels, map(float, points), strict=True))


def summarise(population: Population, facts: list[DriftFacts]) -> dict[str, Any]:
    """Return the human-readable summary a baseline shows."""
    n = max(population.n_runs, 1)
    flag_counts = Counter(rule for fact in facts for rule in set(fact.flag_rules))
    return {
        "stability": _quantiles(population.stability),
        "cost_usd": _quantiles(population.cost_usd),
        "latency_ms": _quantiles(population.latency_ms),
        "total_tokens": _quantiles([float(fact.total_tokens) for fact in facts]),
        "category_mix": {k: v / n for k, v in population.categories.most_common()},
        "tool_calls_per_run": {k: v / n for k, v in population.tool_calls.most_common()},
        "tool_error_rate": {
            tool: population.tool_errors[tool] / calls
            for tool, calls in population.tool_calls.items()
        },
        "top_paths": dict(population.paths.most_common(10)),
        "flag_rate": {rule: count / n for rule, count in flag_counts.most_common()},
    }


def create_baseline(
    session: Session,
    name: str,
    filters: PopulationFilter,
    embed: Embed | None = None,
    actor: str = "keel",
) -> Baseline:
    """Freeze the runs matching `filters` as baseline `name` (audited); refuses an empty one."""
    if get_baseline(session, name) is not None:
        raise Conflict(f"a baseline named {name!r} exists already", field="name")
    facts = workflow_facts(session, filters)
    if not facts:
        raise nothing_matched(session, filters, "to freeze", "workflow")
    population = Population.from_runs(observe(facts, embed), max_embeddings=MAX_EMBEDDINGS)
    baseline = Baseline(
        name=name,
        workflow_type=filters.workflow_type,
        model=filters.model,
        config=filters.config,
        since=filters.since,
        until=filters.until,
        n_runs=len(facts),
        run_ids={"run_ids": [f.run_id for f in facts], "item_ids": _item_ids(facts)},
        population=population.to_json(),
        summary=summarise(population, facts),
    )
    save_baseline(session, baseline)
    details = {"workflow_type": filters.workflow_type, "n_runs": len(facts)}
    audit.append(session, "baseline.created", f"baseline:{name}", actor, details)
    return baseline


def _item_ids(facts: list[DriftFacts]) -> list[str]:
    return sorted({fact.item for fact in facts if fact.item})
