"""P3: tool-constraint variations: a smaller retrieval k, a tool unavailable, injected latency or
a timeout, truncated results. A constraint is data; agents and tool wrappers apply it."""

from __future__ import annotations

import enum
import random
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any


class ConstraintKind(enum.StrEnum):
    SMALLER_K = "smaller_k"
    UNAVAILABLE = "unavailable"
    LATENCY = "latency"
    TIMEOUT = "timeout"
    TRUNCATE = "truncate"


@dataclass(frozen=True)
class ToolConstraint:
    """One constraint on one tool (`tool` None = every tool)."""

    kind: ConstraintKind
    tool: str | None = None
    k: int | None = None
    latency_ms: float | None = None
    max_chars: int | None = None

    def as_dict(self) -> dict[str, Any]:
        """Return the constraint as JSON-ready data (what a replay records)."""
        return {key: value for key, value in asdict(self).items() if value is not None}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ToolConstraint:
        """Return the constraint recorded by `as_dict`."""
        return cls(**{**data, "kind": ConstraintKind(data["kind"])})


def choose_constraint(
    tools: Sequence[str], seed: int, *, retrieval_tool: str | None = None, k: int | None = None
) -> ToolConstraint:
    """Return a seeded constraint over `tools`: which kind, on which tool, how strong.

    A smaller k is only offered when the run retrieved more than one document; making a tool
    unavailable only when the run used more than one tool (an agent with its only tool gone
    measures nothing but failure).
    """
    rng = random.Random(seed)
    kinds = [ConstraintKind.TRUNCATE, ConstraintKind.LATENCY]
    if retrieval_tool and k and k > 1:
        kinds.append(ConstraintKind.SMALLER_K)
    if len(set(tools)) > 1:
        kinds += [ConstraintKind.UNAVAILABLE, ConstraintKind.TIMEOUT]
    kind = rng.choice(kinds)
    if kind == ConstraintKind.SMALLER_K:
        return ToolConstraint(kind, retrieval_tool, k=max(1, (k or 2) // 2))
    candidates = sorted(set(tools)) or [None]
    tool = rng.choice(candidates)
    if kind in (ConstraintKind.UNAVAILABLE, ConstraintKind.TIMEOUT):
        others = [name for name in candidates if name != retrieval_tool] or candidates
        return ToolConstraint(kind, rng.choice(others))
    if kind == ConstraintKind.LATENCY:
        return ToolConstraint(kind, tool, latency_ms=float(rng.choice((200, 500, 1000))))
    return ToolConstraint(kind, tool, max_chars=rng.choice((200, 400, 800)))
