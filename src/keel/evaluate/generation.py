"""What the evaluators read: one generation of a run (an output, its answer, its tool path)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from keel.core.tool_names import canonical_tool_name

BASE = "base"
SEED_ONLY = "seed"
NOISE_FLOOR_LABELS = frozenset({BASE, SEED_ONLY})
#: Perturbations that rewrite the run's text (P1 paraphrases the instruction and the message).
#: An agent puts the message's words into tool arguments (a search query) by design, so a
#: generation they made compares tool calls by name and order, arguments left out.
REWORDING_LABELS = frozenset({"P1"})


def rewords(label: str) -> bool:
    """Return whether generation label `label` (`P1`, `P1 #2`) is of a text-rewriting kind."""
    return label.split(" ", 1)[0] in REWORDING_LABELS


@dataclass(frozen=True)
class ToolStep:
    """One tool call of a generation: its name, canonical-args digest and (optional) timing.

    Times are datetimes or seconds on any common clock; calls whose intervals overlap ran in
    parallel and are compared as a set.
    """

    tool_name: str
    args_digest: str
    started_at: datetime | float | None = None
    ended_at: datetime | float | None = None

    @property
    def token(self) -> str:
        """Return the call as one comparable token: canonical tool name and args digest."""
        return f"{canonical_tool_name(self.tool_name)}:{self.args_digest}"


@dataclass(frozen=True)
class Generation:
    """One generation of a run: which perturbation made it, its output (None = it failed).

    `answer` is the free text compared semantically; when omitted it is the output's field the
    workflow's contract names as its answer. Failed generations agree with nothing (see
    docs/metrics.md).
    """

    perturbation: str
    output: Mapping[str, Any] | None
    answer: str | None = None
    tool_calls: Sequence[ToolStep] = field(default_factory=tuple)

    @property
    def failed(self) -> bool:
        """Return True when the generation produced no output."""
        return self.output is None

    def answer_text(self, field: str | None) -> str | None:
        """Return the text to compare semantically: `answer`, else the output's `field` ("" when
        it holds no text), or None for a failed generation."""
        if self.output is None:
            return None
        if self.answer is not None:
            return self.answer
        value = self.output.get(field) if field else None
        return value if isinstance(value, str) else ""
