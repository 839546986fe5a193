"""A small agent of "the user's", written for the tests (keel did not write it).

It searches a tiny knowledge base with a `k`, looks the customer up, and answers from the first
document it was given, so its answer depends on its instruction, message, context order and
tools: what P1 / P2 / P3 perturb.
"""

from __future__ import annotations

from typing import Any

import keel

DOCS = {
    "fees": "Withdrawal fees are waived at our own ATMs; other ATMs cost 2.50 per withdrawal.",
    "tax": "Interest above 10 USD is reported on form 1099-INT each January.",
    "fraud": "Report a lost card at once; we block it and send a new one within 5 days.",
}


@keel.tool(read_only=True)
def search(query: str, k: int = 3) -> list[str]:
    """Return up to k document ids whose text shares a word with the query."""
    words = set(query.lower().split())
    hits = [key for key, text in DOCS.items() if words & set(text.lower().split())]
    return (hits or list(DOCS))[:k]


@keel.tool(read_only=True)
def lookup(customer: str) -> str:
    """Return the customer's masked account."""
    return f"{customer}: account ****{abs(hash(customer)) % 10_000:04d}"


@keel.replayable(
    workflow_type="byo-support",
    instruction="system",
    user_input="message",
    context="documents",
    tools="toolset",
    answer="text",
)
def answer(
    system: str, message: str, documents: list[str], toolset: list[str], customer: str = "c-1"
) -> dict[str, Any]:
    """Answer `message` from the documents found and given, in order."""
    found: list[str] = []
    if "search" in toolset:
        try:
            found = search(message, k=3)
        except Exception:
            found = []
    account = ""
    if "lookup" in toolset:
        try:
            account = lookup(customer)
        except Exception:
            account = "(account unavailable)"
    ranked = [*documents, *found]
    first = ranked[0] if ranked else "fees"
    brief = "brief" in system.lower() or "concise" in system.lower()
    text = DOCS[first] if brief else f"{DOCS[first]} Regarding {account or 'your account'}."
    return {"text": text, "category": first.upper(), "sources": ranked[:2]}


@keel.replayable(
    workflow_type="byo-triage",
    instruction="system",
    user_input="message",
    context="documents",
    tools="toolset",
    categorical=("decision",),
    sets=("steps",),
    text=("summary",),
    decision="decision",
    review_flag="escalate",
    item_key="case_id",
)
def triage(
    system: str, message: str, documents: list[str], toolset: list[str], case_id: str = "case-1"
) -> dict[str, Any]:
    """Decide a case from the first document it has, with its own field names (no `answer`)."""
    found = search(message, k=3) if "search" in toolset else []
    ranked = [*documents, *found]
    first = ranked[0] if ranked else "fees"
    steps = ["read the case", f"check {first}"] + (["look the customer up"] if found else [])
    return {
        "decision": "refund" if first == "fees" else "explain",
        "steps": steps,
        "summary": DOCS[first],
        "escalate": first == "fraud",
        "version": "triage-1",
    }
