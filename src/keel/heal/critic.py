"""The heal critic: read a replay budget's disagreement and derive constraints for a rerun.

It looks at which fields vary (the decision its workflow's contract names, the citations),
which tool paths diverge, and which perturbation hurt most, then proposes, each with its reason:
- pin the decision to the majority, when a majority exists and the generations that chose it
  cite documents (the evidence supports it);
- require the citations the successful generations share (or that most of them cite);
- lower the sampling temperature;
- require the retrieval tool when some generations answered without it.
Pure: plain data in, a plan out.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

HEAL_TEMPERATURE = 0.2
MAJORITY = 0.5


@dataclass(frozen=True)
class Observed:
    """One generation as the critic reads it: its perturbation, output and tool path."""

    perturbation: str
    output: Mapping[str, Any] | None
    tools: tuple[str, ...] = ()


@dataclass
class HealPlan:
    """Constraints for the rerun, and why each was chosen."""

    pin_decision: str | None = None
    required_citations: list[str] = field(default_factory=list)
    temperature: float | None = None
    require_tool: str | None = None
    reasons: list[str] = field(default_factory=list)
    worst_perturbation: str | None = None

    @property
    def empty(self) -> bool:
        """Return True when the critic found nothing to constrain."""
        return not (
            self.pin_decision or self.required_citations or self.temperature or self.require_tool
        )

    def as_dict(self) -> dict[str, Any]:
        """Return the plan as JSON-ready data."""
        return asdict(self)


def _cited(output: Mapping[str, Any]) -> set[str]:
    return {str(c.get("id")) for c in output.get("citations") or [] if isinstance(c, Mapping)}


def _pin(plan: HealPlan, outputs: list[Mapping[str, Any]], decision: str) -> None:
    values = Counter(str(o.get(decision)) for o in outputs if o.get(decision))
    if len(values) < 2:
        return
    top, count = values.most_common(1)[0]
    share = count / sum(values.values())
    backed = any(_cited(o) for o in outputs if str(o.get(decision)) == top)
    if share > MAJORITY and backed:
        plan.pin_decision = top
        plan.reasons.append(
            f"{decision} varies {dict(values)}; pinned to the majority {top} "
            f"({share:.0%}), which cites retrieved documents"
        )


def _citations(plan: HealPlan, outputs: list[Mapping[str, Any]]) -> None:
    sets = [_cited(o) for o in outputs]
    if len({frozenset(s) for s in sets}) < 2:
        return
    common = set.intersection(*sets) if sets else set()
    if not common:
        counts = Counter(doc for cited in sets for doc in cited)
        common = {doc for doc, n in counts.items() if n / len(sets) > MAJORITY}
    if common:
        plan.required_citations = sorted(common)
        by = "all" if all(common <= cited for cited in sets) else "most"
        plan.reasons.append(
            f"citations vary; requiring {sorted(common)}, cited by {by} generations"
        )


def _tools(plan: HealPlan, observed: Sequence[Observed], retrieval_tool: str) -> None:
    used = [retrieval_tool in o.tools for o in observed]
    if any(used) and not all(used):
        plan.require_tool = retrieval_tool
        plan.reasons.append(
            f"{used.count(False)} of {len(used)} generations answered without "
            f"{retrieval_tool}; requiring it"
        )


def derive_plan(
    observed: Sequence[Observed],
    sensitivity: Mapping[str, float | None],
    temperature: float,
    retrieval_tool: str = "knowledge.search",
    *,
    decision: str | None,
) -> HealPlan:
    """Return the constraints that address what varied across `observed` generations.

    `sensitivity` maps each perturbation to Δ = S(seed-only) − S(perturbation); `decision` is
    the output field the workflow's contract names as its decision (None: nothing to pin).
    """
    plan = HealPlan()
    deltas = {k: v for k, v in sensitivity.items() if v is not None and k != "seed"}
    if deltas:
        plan.worst_perturbation = max(deltas, key=lambda k: deltas[k])
        plan.reasons.append(
            f"{plan.worst_perturbation} hurt most (Δ {deltas[plan.worst_perturbation]:+.1f})"
        )
    outputs = [o.output for o in observed if o.output is not None]
    if len(outputs) < len(observed):
        plan.reasons.append(f"{len(observed) - len(outputs)} generations failed")
    if decision is not None:
        _pin(plan, outputs, decision)
    _citations(plan, outputs)
    _tools(plan, observed, retrieval_tool)
    if temperature > HEAL_TEMPERATURE:
        plan.temperature = HEAL_TEMPERATURE
        plan.reasons.append(
            f"sampling temperature lowered from {temperature:g} to {HEAL_TEMPERATURE:g}"
        )
    return plan


def unresolved(
    plan: HealPlan,
    output: Mapping[str, Any] | None,
    tools: Sequence[str],
    *,
    decision: str | None,
) -> list[str]:
    """Return what of `plan` the rerun did not do (empty: every finding was resolved).

    A heal is only a heal when the rerun honours the constraints its findings asked for: the
    pinned decision, every required citation, the required tool.
    """
    if output is None:
        return ["the rerun produced no output"]
    missing = []
    if plan.pin_decision and decision and str(output.get(decision)) != plan.pin_decision:
        missing.append(
            f"{decision} is {output.get(decision)!r}, not the pinned {plan.pin_decision}"
        )
    absent = sorted(set(plan.required_citations) - _cited(output))
    if absent:
        missing.append(f"required citation(s) {absent} missing")
    if plan.require_tool and plan.require_tool not in tools:
        missing.append(f"{plan.require_tool} was not called")
    return missing
