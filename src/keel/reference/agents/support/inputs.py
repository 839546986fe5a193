"""Everything one support run depends on, so a replay can re-execute it, perturbed or not.

The replay engine varies these fields: `instruction` and `ticket_text` (P1 paraphrase),
`context_shuffle_seed` (P2 reorders the retrieved documents), `tool_constraints` (P3: a smaller
k, a tool unavailable, injected latency, a timeout, truncated results), and `seed`.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, SerializerFunctionWrapHandler, model_serializer

from keel.reference.agents.support.instructions import INSTRUCTION
from keel.replay.constraints import ConstraintKind, ToolConstraint

RETRIEVAL_TOOL = "knowledge.search"
TRANSFER_TOOL = "payments.transfer"


class TransferRequest(BaseModel):
    """A transfer the customer asked for, which the agent then makes with payments.transfer."""

    model_config = ConfigDict(extra="forbid")

    to_account: str = Field(min_length=4, max_length=34)
    amount_usd: float = Field(gt=0, le=10_000)


class SupportInputs(BaseModel):
    """The inputs of one support run (stored as the run's `inputs`)."""

    model_config = ConfigDict(extra="forbid")

    ticket_text: str = Field(min_length=1, max_length=20_000)
    ticket_id: str | None = None
    customer_id: str | None = None
    instruction: str = INSTRUCTION
    retrieval_k: int = Field(default=5, ge=1, le=50)
    model: str = "offline"
    seed: int = Field(default=0, ge=0)
    temperature: float = Field(default=0.7, ge=0.0, le=2.0)
    context_shuffle_seed: int | None = None
    tool_constraints: list[dict[str, Any]] = Field(default_factory=list)
    max_revisions: int = Field(default=2, ge=0, le=5)
    tool_timeout_s: float = Field(default=20.0, gt=0)
    # Constraints a self-heal rerun adds (keel.heal): what the critic found varying, fixed.
    pinned_category: str | None = None
    required_citations: list[str] = Field(default_factory=list)
    required_tools: list[str] = Field(default_factory=list)
    # Offered payments.transfer only when the ticket asks for one (the agent then makes it).
    transfer: TransferRequest | None = None

    @model_serializer(mode="wrap")
    def _without_unset_transfer(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        # Runs that ask for no transfer store the inputs they always did (replay seeds derive
        # from a digest of the stored inputs).
        data = handler(self)
        if data.get("transfer") is None:
            data.pop("transfer", None)
        return data

    def constraints(self) -> list[ToolConstraint]:
        """Return the tool constraints as ToolConstraint values."""
        return [ToolConstraint.from_dict(dict(c)) for c in self.tool_constraints]

    def unavailable_tools(self) -> set[str]:
        """Return the names of the tools this run may not use."""
        return {c.tool or "*" for c in self.constraints() if c.kind == ConstraintKind.UNAVAILABLE}

    def effective_k(self) -> int:
        """Return the retrieval k after any smaller-k constraint."""
        ks = [
            c.k
            for c in self.constraints()
            if c.kind == ConstraintKind.SMALLER_K and c.k and c.tool in (None, RETRIEVAL_TOOL)
        ]
        return min([self.retrieval_k, *ks])

    def constraint_on(self, tool: str, kind: ConstraintKind) -> ToolConstraint | None:
        """Return the constraint of `kind` that applies to `tool`, if any."""
        for constraint in self.constraints():
            if constraint.kind == kind and constraint.tool in (None, tool):
                return constraint
        return None
