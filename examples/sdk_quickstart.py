"""A tiny agent traced with keel's SDK: two tools, two LLM calls, one run.

    python examples/sdk_quickstart.py            # stores the run in ./.keel/keel.db
    keel runs list                               # ... and there it is

With a keel server running (`keel serve`), send it there instead:

    KEEL_ENDPOINT=http://127.0.0.1:8000 python examples/sdk_quickstart.py
"""

from __future__ import annotations

import keel

ARTICLES = {  # id: (keyword, text)
    "kb-wire-cutoff": ("cut-off", "Wires sent after 16:00 ET leave the next business day."),
    "kb-wire-fees": ("fees", "Domestic wires cost $25; international wires cost $45."),
}


@keel.tool(name="knowledge.search")
def search(query: str, k: int = 2) -> list[str]:
    """Return the ids of the articles whose keyword appears in `query`."""
    return [key for key, (keyword, _) in ARTICLES.items() if keyword in query.lower()][:k]


@keel.tool(name="account.lookup")
def lookup(customer_id: str) -> dict[str, str]:
    """Return the customer's (masked) account."""
    return {"customer_id": customer_id, "account": "****4821", "tier": "gold"}


def answer(ticket: str, customer_id: str) -> str:
    """Answer a support ticket, recording every step as one keel run."""
    with keel.trace_run(
        workflow_type="support", model="gpt-4o-mini", inputs={"ticket": ticket}
    ) as run:
        run.llm_call(name="plan", input_tokens=180, output_tokens=25)
        ids = search(ticket)
        lookup(customer_id)
        reply = " ".join(ARTICLES[key][1] for key in ids) or "Let me hand you to a colleague."
        run.llm_call(name="answer", input_tokens=420, output_tokens=60, completion=reply)
        run.set_output({"answer": reply, "citations": ids})
    print(f"run {run.run_id}: {reply}")
    return run.run_id


if __name__ == "__main__":
    answer("When is the wire cut-off and what are the fees?", "c-1042")
    keel.flush()  # optional: runs are also sent at exit
