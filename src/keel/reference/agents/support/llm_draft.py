"""The support agent's draft and model critic when a language model runs it.

The draft's schema is the support answer's, tightened so that constrained decoding keeps a
small model inside what the critic accepts: the category among the allowed labels, citations
among the documents the tools returned, the disclaimer one of the policy's texts (or none),
bounded text. What the model still chooses (the category, the answer, the steps, the review
flag, which documents to cite, which disclaimer) is what replays compare. The model critic then
reads the ticket and the answer and says whether it needs a revision.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from keel.models import Message
from keel.reference.agents.support.critic import Finding

DRAFT_TOKENS = 320
CRITIC_TOKENS = 64
DOCUMENT_CHARS = 240  # of each document's text, as the draft reads it
OTHER_CHARS = 240  # of another tool's result
REPETITION_PENALTY = 1.1


def draft_schema(
    labels: Sequence[str], documents: Sequence[Mapping[str, Any]], disclaimers: Mapping[str, str]
) -> dict[str, Any]:
    """Return the draft's JSON Schema: SupportAnswer's fields, bounded and closed."""
    ids = list(dict.fromkeys(str(d["id"]) for d in documents))
    sources = sorted({str(d["source"]) for d in documents})
    citation = {
        "type": "object",
        "properties": {"source": {"enum": sources}, "id": {"enum": ids}},
        "required": ["source", "id"],
        "additionalProperties": False,
    }
    citations: dict[str, Any] = (
        {"type": "array", "items": citation, "minItems": 1, "maxItems": 3}
        if ids
        else {"type": "array", "items": {"type": "string"}, "maxItems": 0}  # items: or any
    )
    text = {"type": "string", "minLength": 20, "maxLength": 300}
    step = {"type": "string", "minLength": 5, "maxLength": 100}
    properties = {
        "category": {"enum": list(labels)},
        "answer": text,
        "next_steps": {"type": "array", "items": step, "minItems": 1, "maxItems": 3},
        "disclaimer": {"enum": ["", *disclaimers.values()]},
        "needs_human_review": {"type": "boolean"},
        "citations": citations,
    }
    return {
        "type": "object",
        "properties": properties,
        "required": list(properties),
        "additionalProperties": False,
    }


def _context_text(context: Sequence[Mapping[str, Any]]) -> str:
    blocks = []
    for block in context:
        content = block["content"]
        if isinstance(content, Mapping) and "text" in content:
            steps = " ".join(str(s) for s in content.get("steps") or [])
            body = f"{content.get('title', '')}: {content['text']} {steps}".strip()
            blocks.append(f"[{block['id']}] {body[:DOCUMENT_CHARS]}")
        else:
            blocks.append(f"[{block['source']}] {json.dumps(content)[:OTHER_CHARS]}")
    return "\n".join(blocks) or "(nothing was retrieved)"


def draft_messages(
    instruction: str,
    ticket_text: str,
    customer_id: str | None,
    context: Sequence[Mapping[str, Any]],
    disclaimers: Mapping[str, str],
    findings: Sequence[Finding] = (),
) -> tuple[Message, ...]:
    """Return the draft's prompt: instruction, which disclaimer goes with which category,
    the ticket, the retrieved context in order, and what the critic found."""
    rules = "; ".join(f"{name} answers carry: {text}" for name, text in disclaimers.items())
    system = (
        f"{instruction}\n\nDisclaimers: {rules} Other categories carry none.\n"
        "Reply in JSON with category, answer, next_steps, disclaimer, needs_human_review and "
        "citations (the ids of the articles you used)."
    )
    who = f" (customer {customer_id})" if customer_id else ""
    messages = [
        Message("system", system),
        Message(
            "user",
            f"Ticket{who}:\n{ticket_text[:1000]}\n\nRetrieved, in order:\n"
            + _context_text(context),
        ),
    ]
    if findings:
        notes = "\n".join(f"- {f.message}" for f in findings)
        messages.append(Message("user", f"A reviewer found problems; revise:\n{notes}"))
    return tuple(messages)


def critic_schema() -> dict[str, Any]:
    """Return the model critic's JSON Schema: a verdict and, briefly, the problem."""
    return {
        "type": "object",
        "properties": {
            "verdict": {"enum": ["ok", "revise"]},
            "problem": {"type": "string", "maxLength": 120},
        },
        "required": ["verdict", "problem"],
        "additionalProperties": False,
    }


def critic_messages(ticket_text: str, answer: Mapping[str, Any]) -> tuple[Message, ...]:
    """Return the model critic's prompt: the ticket and the drafted answer."""
    system = (
        "You review a bank support agent's answer to a ticket. If the answer is about what the "
        "ticket asks, the verdict is ok. If it is about something else, the verdict is revise "
        "and the problem says what is wrong in a few words. Reply in JSON."
    )
    shown = {k: answer.get(k) for k in ("category", "answer", "next_steps", "needs_human_review")}
    user = f"Ticket:\n{ticket_text[:1000]}\n\nAnswer:\n{json.dumps(shown)}"
    return (Message("system", system), Message("user", user))


def critic_finding(parsed: Mapping[str, Any] | None) -> Finding | None:
    """Return the model critic's finding, or None when it accepts the answer (or said nothing
    readable: a critic that fails to reply does not block the answer)."""
    if not parsed or parsed.get("verdict") != "revise":
        return None
    problem = str(parsed.get("problem") or "").strip() or "the answer does not fit the ticket"
    return Finding("critic_model", f"the reviewing model asks for a revision: {problem}")
