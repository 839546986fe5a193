"""Tool-path agreement: how alike two generations' sequences of tool calls are.

A call is the token `tool_name:args_digest` (the digest is SHA-256 of canonical JSON, so equal
arguments give equal tokens). Calls whose time intervals overlap ran in parallel and form one
*step*, a multiset of tokens, so their order inside the step never matters. Two paths compare as
1/2 (1 - normalised Levenshtein distance over steps) + 1/2 multiset Jaccard over all their calls.
When either generation was made by a perturbation that rewrites the run's text (P1), the two
paths compare by tool name alone (`names_only`): the arguments that carry the rewritten words
differ by design, and keel stores only their digest, so it cannot tell which argument did.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime

from keel.evaluate.generation import Generation, ToolStep, rewords

Step = Counter[str]


def _seconds(value: datetime | float) -> float:
    return value.timestamp() if isinstance(value, datetime) else float(value)


def parallel_steps(calls: Sequence[ToolStep]) -> list[Step]:
    """Return the calls grouped into steps: overlapping intervals form one step, in time order.

    Without a start time on every call the order given is kept and each call is its own step.
    A call with no end time is taken as instantaneous.
    """
    if not all(call.started_at is not None for call in calls):
        return [Counter([call.token]) for call in calls]
    timed = sorted(
        (
            _seconds(call.started_at),  # type: ignore[arg-type]
            _seconds(call.ended_at if call.ended_at is not None else call.started_at),  # type: ignore[arg-type]
            call.token,
        )
        for call in calls
    )
    steps: list[Step] = []
    group_start = group_end = float("-inf")
    for start, end, token in timed:
        if steps and (start < group_end or start == group_start):
            steps[-1][token] += 1
            group_end = max(group_end, end)
        else:
            steps.append(Counter([token]))
            group_start, group_end = start, end
    return steps


def multiset_jaccard(a: Counter[str], b: Counter[str]) -> float:
    """Return Σ min(a, b) / Σ max(a, b) over tokens; 1.0 when both are empty."""
    union = sum((a | b).values())
    return 1.0 if union == 0 else sum((a & b).values()) / union


def step_levenshtein(a: Sequence[Step], b: Sequence[Step]) -> float:
    """Return the edit distance between step sequences, normalised by the longer length.

    Insertions and deletions cost 1; substituting one step for another costs 1 - their
    multiset Jaccard, so a step with the same calls costs nothing and a disjoint one costs 1.
    """
    if not a and not b:
        return 0.0
    previous = [float(j) for j in range(len(b) + 1)]
    for i, step_a in enumerate(a, start=1):
        current = [float(i)]
        for j, step_b in enumerate(b, start=1):
            substitute = previous[j - 1] + 1.0 - multiset_jaccard(step_a, step_b)
            current.append(min(previous[j] + 1.0, current[j - 1] + 1.0, substitute))
        previous = current
    return previous[-1] / max(len(a), len(b))


def path_similarity(a: Sequence[ToolStep], b: Sequence[ToolStep]) -> float:
    """Return 1/2 (1 - normalised step Levenshtein) + 1/2 multiset Jaccard of two tool paths."""
    steps_a, steps_b = parallel_steps(a), parallel_steps(b)
    order = 1.0 - step_levenshtein(steps_a, steps_b)
    calls = multiset_jaccard(Counter(call.token for call in a), Counter(call.token for call in b))
    # Clamped: float sums of (1 - Jaccard) may stray past the bounds by an ulp.
    return min(1.0, max(0.0, 0.5 * order + 0.5 * calls))


def names_only(calls: Sequence[ToolStep]) -> list[ToolStep]:
    """Return `calls` with their arguments left out (compared by tool name and timing)."""
    return [replace(call, args_digest="") for call in calls]


def generation_similarity(a: Generation, b: Generation) -> float:
    """Return the path similarity of two generations, by name alone when either rewords."""
    if rewords(a.perturbation) or rewords(b.perturbation):
        return path_similarity(names_only(a.tool_calls), names_only(b.tool_calls))
    return path_similarity(a.tool_calls, b.tool_calls)
