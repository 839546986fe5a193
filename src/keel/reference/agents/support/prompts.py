"""The chat messages of each support step: what an LLM reads, and what tokens are counted on."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from keel.models import Message
from keel.reference.agents.support.critic import Finding
from keel.reference.agents.support.instructions import (
    CATEGORY_DESCRIPTIONS,
    DISCLAIMERS,
    REVIEW_CRITERIA,
)


def _policy_text() -> str:
    categories = "\n".join(f"- {name}: {text}" for name, text in CATEGORY_DESCRIPTIONS.items())
    disclaimers = "\n".join(f"- {name}: {text}" for name, text in DISCLAIMERS.items())
    return (
        f"Categories:\n{categories}\n\nRequired disclaimers (verbatim):\n{disclaimers}\n\n"
        f"Human review is needed when: {REVIEW_CRITERIA['needed']}\n"
        f"It is not needed when: {REVIEW_CRITERIA['not_needed']}"
    )


def _ticket_text(ticket_text: str, customer_id: str | None) -> str:
    who = f" (customer {customer_id})" if customer_id else ""
    return f"Ticket{who}:\n{ticket_text}"


def planner_messages(
    instruction: str, ticket_text: str, customer_id: str | None, k: int
) -> tuple[Message, ...]:
    """Return the planner's prompt: triage the ticket and call the tools it needs."""
    system = (
        f"{instruction}\n\n{_policy_text()}\n\nFirst triage the ticket into one category and "
        f"call the tools you need: search the knowledge base (k={k}) and, when the ticket is "
        'about the customer\'s own account, look it up. Reply with JSON {"category": ...}.'
    )
    return (Message("system", system), Message("user", _ticket_text(ticket_text, customer_id)))


def draft_messages(
    instruction: str,
    ticket_text: str,
    customer_id: str | None,
    context: Sequence[dict[str, Any]],
    findings: Sequence[Finding] = (),
) -> tuple[Message, ...]:
    """Return the draft's prompt: ticket, retrieved context in order, and critic feedback."""
    blocks = "\n\n".join(
        f"[{i + 1}] {block['source']} {block['id']}\n{json.dumps(block['content'])}"
        for i, block in enumerate(context)
    )
    messages = [
        Message("system", f"{instruction}\n\n{_policy_text()}"),
        Message("user", _ticket_text(ticket_text, customer_id)),
        Message("user", f"Retrieved context, in order:\n\n{blocks or '(nothing was retrieved)'}"),
    ]
    if findings:
        notes = "\n".join(f"- {f.rule}: {f.message}" for f in findings)
        messages.append(Message("user", f"A reviewer found problems; revise:\n{notes}"))
    return tuple(messages)
