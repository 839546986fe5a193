"""The support agent's final output: a pydantic model, exported as JSON Schema."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict

from keel.reference.world.categories import Category


class Citation(BaseModel):
    """A document the answer used: which tool it came from, and its id."""

    model_config = ConfigDict(extra="forbid")

    source: str
    id: str


class SupportAnswer(BaseModel):
    """What the support agent returns for one ticket."""

    model_config = ConfigDict(extra="forbid")

    category: Category
    answer: str
    next_steps: list[str]
    disclaimer: str
    needs_human_review: bool
    citations: list[Citation]


def support_answer_schema() -> dict[str, Any]:
    """Return the JSON Schema of SupportAnswer (closed: no extra keys, every field required)."""
    return SupportAnswer.model_json_schema()
