"""Score your own agent: a small support agent on the plain `openai` client, made replayable.

    keel model serve &                   # offline OpenAI-compatible endpoint (or use yours)
    python examples/score_your_agent.py  # runs the agent once; prints the run id
    keel replay <run id>                 # replays it under P1/P2/P3; prints its stability

Point it at any OpenAI-compatible endpoint with OPENAI_BASE_URL / OPENAI_API_KEY / AGENT_MODEL.
"""

from __future__ import annotations

import json
import os
import sys

import openai

import keel

KNOWLEDGE = {
    "wire-cutoff": "Domestic wires sent before 16:00 ET settle the same business day. "
    "Wires sent after the cut-off leave on the next business day.",
    "wire-fees": "Outgoing domestic wires cost 25 USD. International wires cost 45 USD, "
    "and the receiving bank may deduct its own fee.",
    "tax-interest": "Interest of 10 USD or more is reported on form 1099-INT each January. "
    "Keel Bank cannot give tax advice; please ask a tax professional.",
}
INSTRUCTION = (
    "You are a support agent for a bank. Answer only from the documents and tool results."
    "\n\nBe brief and name the fee or the deadline when there is one."
)
LAST_RUN_ID: str | None = None
TOOLS = [
    {
        "type": "function",
        "function": {
            "name": "search",
            "description": "Search the bank's policy articles.",
            "parameters": {
                "type": "object",
                "properties": {"query": {"type": "string"}},
                "required": ["query"],
            },
        },
    }
]


@keel.tool
def search(query: str, k: int = 2) -> str:
    """Return the k articles sharing the most words with the query, as text."""
    words = set(query.lower().split())
    ranked = sorted(KNOWLEDGE, key=lambda key: -len(words & set(KNOWLEDGE[key].lower().split())))
    return "\n".join(f"[{key}] {KNOWLEDGE[key]}" for key in ranked[:k])


@keel.replayable(
    workflow_type="my-support-agent",
    instruction="instruction",
    user_input="question",
    context="documents",
    tools="tools",
    answer="answer",
)
def support_agent(
    instruction: str, question: str, documents: list[str], tools: list[dict], model: str = "offline"
) -> dict:
    """Answer `question`: let the model call `search`, then answer from what it found."""
    client = openai.OpenAI(
        base_url=os.environ.get("OPENAI_BASE_URL", "http://127.0.0.1:8100/v1"),
        api_key=os.environ.get("OPENAI_API_KEY", "not-needed"),
    )
    system = "\n\n".join([instruction, *documents])
    messages: list = [{"role": "system", "content": system}, {"role": "user", "content": question}]
    global LAST_RUN_ID
    run = keel.current_run()
    LAST_RUN_ID = run.run_id if run is not None else None
    for _turn in range(4):
        reply = client.chat.completions.create(
            model=os.environ.get("AGENT_MODEL", model),
            messages=messages,
            tools=tools or None,
            temperature=0.8,
            seed=len(messages),
        )
        message = reply.choices[0].message
        if run is not None and reply.usage is not None:
            run.llm_call(
                model=reply.model,
                input_tokens=reply.usage.prompt_tokens,
                output_tokens=reply.usage.completion_tokens,
            )
        if not message.tool_calls:
            return {"answer": message.content or ""}
        messages.append(message.model_dump(exclude_none=True))
        for call in message.tool_calls:
            result = search(**json.loads(call.function.arguments))
            messages.append({"role": "tool", "tool_call_id": call.id, "content": result})
    return {"answer": messages[-1]["content"]}


if __name__ == "__main__":
    question = (
        " ".join(sys.argv[1:]) or "What does an international wire cost and when is the cut-off?"
    )
    result = support_agent(INSTRUCTION, question, [KNOWLEDGE["tax-interest"]], TOOLS)
    keel.flush()
    print(json.dumps(result, indent=2))
    print(f"run id: {LAST_RUN_ID}   next: keel replay {LAST_RUN_ID}")
