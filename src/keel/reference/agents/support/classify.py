"""The support agent's classification path without a tool server: search, read, draft.

The agent reaches the knowledge base through MCP; this reads the same knowledge base in
process, builds the draft's documents the way the agent does, and asks the model for the draft.
It serves accuracy measurement (bench/accuracy.py, its floor test), where thousands of MCP
round trips would measure the transport instead of the classifier.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from keel.models import CompletionRequest, ModelProvider
from keel.reference.agents.support import instructions
from keel.reference.agents.support.inputs import RETRIEVAL_TOOL
from keel.reference.world.knowledge import KnowledgeBase


@dataclass(frozen=True)
class Classification:
    """The draft's category for one ticket text, with the documents it read."""

    category: str
    document_ids: tuple[str, ...]
    probabilities: dict[str, float]
    confidence: float  # the calibrated (temperature 1) probability of the most likely label


def retrieved_documents(knowledge: KnowledgeBase, text: str, k: int) -> list[dict[str, Any]]:
    """Return the agent's draft documents for `text`: top-k hits, each read in full."""
    documents = []
    for hit in knowledge.search(text, k):
        article = knowledge.get(hit.id)
        documents.append(
            {
                "id": hit.id,
                "title": hit.title,
                "text": article.body if article else hit.snippet,
                "steps": list(article.steps) if article else [],
                "source": RETRIEVAL_TOOL,
                "topic": article.topic if article else "",
            }
        )
    return documents


def classify(
    model: ModelProvider,
    knowledge: KnowledgeBase,
    text: str,
    *,
    k: int = 5,
    seed: int = 0,
    temperature: float = 0.0,
) -> Classification:
    """Return the category the agent's draft gives `text` (greedy at temperature 0)."""
    documents = retrieved_documents(knowledge, text, k)
    request = CompletionRequest(
        task="answer",
        inputs={
            "text": text,
            "labels": instructions.CATEGORY_DESCRIPTIONS,
            "documents": documents,
            "disclaimers": instructions.DISCLAIMERS,
            "review": instructions.REVIEW_CRITERIA,
        },
        seed=seed,
        temperature=temperature,
    )
    generation = model.generate(request)
    parsed = generation.parsed or {}
    return Classification(
        category=str(parsed.get("category")),
        document_ids=tuple(d["id"] for d in documents),
        probabilities=dict(generation.details.get("label_probabilities", {})),
        confidence=float(generation.details.get("confidence", 1.0)),
    )
