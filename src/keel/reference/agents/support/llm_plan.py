"""The support agent's plan when a language model runs it: the model chooses the tool calls.

Each round (at most `MAX_ROUNDS`) the model reads the ticket and what the tools returned so
far and replies with JSON, constrained by a schema, naming the calls to make next: a tool and
its one argument each (a search query, an article id among those found, the ticket's customer
id). The first round also triages the ticket into a category. An empty list ends the plan.
Prompts stay small (a few hundred tokens): the agent must run on a 135M model on two cores.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from keel.models import Message, ToolCallRequest
from keel.reference.agents.support.inputs import RETRIEVAL_TOOL, TRANSFER_TOOL
from keel.reference.agents.tool_client import ToolOutcome

READ_TOOL = "knowledge.get"
MAX_ROUNDS = 2
MAX_CALLS = 3  # per round
PLAN_TOKENS = 128
QUERY_MAX_CHARS = 80
RESULT_CHARS = 200  # of an account tool's result, as the next round reads it

#: What the planner may call, and how its one argument reads, in the order offered.
TOOL_HELP: dict[str, str] = {
    RETRIEVAL_TOOL: "search the bank's help articles; argument: the search query",
    READ_TOOL: "read one article found by a search in full; argument: its id",
    "account.lookup": "the customer's accounts; argument: the customer id",
    "transactions.list": "the customer's recent transactions; argument: the customer id",
    TRANSFER_TOOL: "send the money the customer asked to send; argument: the payee account",
}


def plannable(tools: Sequence[str], unavailable: set[str], transfer_asked: bool) -> list[str]:
    """Return the tools the planner may choose among, in TOOL_HELP's order."""
    return [
        name
        for name in TOOL_HELP
        if name in tools
        and name not in unavailable
        and "*" not in unavailable
        and (name != TRANSFER_TOOL or transfer_asked)
    ]


def _argument(
    tool: str, article_ids: Sequence[str], known: dict[str, Any]
) -> dict[str, Any] | None:
    if tool == RETRIEVAL_TOOL:
        return {"type": "string", "minLength": 3, "maxLength": QUERY_MAX_CHARS}
    if tool == READ_TOOL:
        return {"enum": list(article_ids)} if article_ids else None
    if tool == TRANSFER_TOOL:
        return {"const": known["to_account"]} if "to_account" in known else None
    # The account tools look up the ticket's own customer, never one the model makes up.
    return {"const": known["customer_id"]} if "customer_id" in known else None


def plan_schema(
    tools: Sequence[str],
    article_ids: Sequence[str],
    known: dict[str, Any],
    categories: Sequence[str] | None,
) -> dict[str, Any] | None:
    """Return the JSON Schema of one round's reply (None when no tool can be called);
    with `categories`, the reply triages the ticket first."""
    choices = []
    for tool in tools:
        argument = _argument(tool, article_ids, known)
        if argument is not None:
            choices.append(
                {
                    "type": "object",
                    "properties": {"tool": {"const": tool}, "argument": argument},
                    "required": ["tool", "argument"],
                    "additionalProperties": False,
                }
            )
    if not choices:
        return None
    calls = {
        "type": "array",
        "items": {"anyOf": choices},
        "minItems": 1 if categories else 0,
        "maxItems": MAX_CALLS,
    }
    properties: dict[str, Any] = {"calls": calls}
    if categories:
        properties = {"category": {"enum": list(categories)}, "calls": calls}
    return {
        "type": "object",
        "properties": properties,
        "required": list(properties),
        "additionalProperties": False,
    }


def results_text(outcomes: Sequence[ToolOutcome]) -> str:
    """Return what the tools returned so far, a line per call, as the next round reads it."""
    lines = []
    for outcome in outcomes:
        if outcome.error is not None:
            lines.append(f"- {outcome.name} failed: {outcome.error[:RESULT_CHARS]}")
        elif outcome.name == RETRIEVAL_TOOL and isinstance(outcome.data, dict):
            hits = "; ".join(
                f"{hit.get('id')} {hit.get('title', '')}" for hit in outcome.data.get("hits", [])
            )
            lines.append(f'- {outcome.name} "{outcome.arguments.get("query")}": {hits or "none"}')
        elif outcome.name == READ_TOOL:
            lines.append(f"- {outcome.name} {outcome.arguments.get('id')}: read")
        else:
            lines.append(f"- {outcome.name}: {json.dumps(outcome.data)[:RESULT_CHARS]}")
    return "\n".join(lines)


def plan_messages(
    instruction: str,
    ticket_text: str,
    customer_id: str | None,
    tools: Sequence[str],
    outcomes: Sequence[ToolOutcome],
    categories: Sequence[str] | None,
) -> tuple[Message, ...]:
    """Return one round's prompt: the tools, the ticket, and the results so far."""
    helps = "\n".join(f"- {name}: {TOOL_HELP[name]}" for name in tools)
    task = (
        f"Name the ticket's category ({', '.join(categories)}) and the tools to call first."
        if categories
        else "Call more tools only if they help answer; reply with no calls when you have enough."
    )
    system = f"{instruction}\n\nTools:\n{helps}\n\n{task} Reply in JSON."
    who = f" (customer {customer_id})" if customer_id else ""
    user = f"Ticket{who}:\n{ticket_text[:1000]}"
    if outcomes:
        user += f"\n\nResults so far:\n{results_text(outcomes)}"
    return (Message("system", system), Message("user", user))


def calls_from_plan(
    parsed: dict[str, Any] | None, known: dict[str, Any], k: int
) -> list[ToolCallRequest]:
    """Return the tool calls a round's reply names, with their full arguments."""
    calls = []
    for index, item in enumerate((parsed or {}).get("calls") or []):
        if not isinstance(item, dict) or item.get("tool") not in TOOL_HELP:
            continue
        tool, argument = str(item["tool"]), str(item.get("argument", ""))
        if tool == RETRIEVAL_TOOL:
            arguments: dict[str, Any] = {"query": argument, "k": k}
        elif tool == READ_TOOL:
            arguments = {"id": argument}
        elif tool == TRANSFER_TOOL:
            arguments = {
                "customer_id": known.get("customer_id", ""),
                "to_account": argument,
                "amount_usd": known.get("amount_usd", 0.0),
            }
        else:
            arguments = {"customer_id": argument}
        calls.append(ToolCallRequest(f"plan_{index}", tool, arguments))
    return calls


def found_article_ids(outcomes: Sequence[ToolOutcome]) -> list[str]:
    """Return the ids of the articles the searches so far found, first found first."""
    ids: dict[str, None] = {}
    for outcome in outcomes:
        if outcome.name == RETRIEVAL_TOOL and isinstance(outcome.data, dict):
            for hit in outcome.data.get("hits", []):
                ids.setdefault(str(hit["id"]), None)
    return list(ids)
