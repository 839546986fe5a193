"""The support agent: plan → tool calls (captured) → draft → critic → revisions → final.

Every step is an event with its generation's model, tokens and cost; every tool call goes
through capture; the run is stored with the inputs a replay needs to re-execute it.

On a language model (any chat model: `openai:`, `local:`) the model plans: it chooses the tool
calls, round by round (`llm_plan`), drafts from what they returned, and a model call reviews
the draft besides the critic's rules (`llm_draft`). So its tool path can vary between runs. On
the offline grounded sampler the plan is the sampler's (search, read every hit, the account
tools when a customer id is known) and the critic is its rules alone.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
from datetime import UTC, datetime
from typing import Any

from keel.core.records import RunRecord, RunStatus
from keel.evaluate.rules.confidential import withheld_documents
from keel.models import Completion, CompletionRequest, ModelError, ModelProvider, ToolCallRequest
from keel.models.registry import provider_type
from keel.reference.agents.support import instructions, llm_draft, llm_plan
from keel.reference.agents.support.critic import Finding, critique, revision_constraints
from keel.reference.agents.support.inputs import RETRIEVAL_TOOL, TRANSFER_TOOL, SupportInputs
from keel.reference.agents.support.prompts import draft_messages, planner_messages
from keel.reference.agents.support.schema import support_answer_schema
from keel.reference.agents.tool_client import ToolClient, ToolOutcome
from keel.reference.agents.trace import AgentTrace
from keel.reference.world.search_query import bounded_query
from keel.replay.constraints import ConstraintKind
from keel.replay.shuffle import apply_order, shuffled_order
from keel.sdk.tool_constraints import truncate_text

READ_TOOL = llm_plan.READ_TOOL


def step_seed(seed: int, *parts: object) -> int:
    """Return a seed for one step, derived from the run's seed (steps draw independently)."""
    digest = hashlib.sha256(":".join(map(str, (seed, *parts))).encode()).digest()
    return int.from_bytes(digest[:4], "big")


class SupportAgent:
    """Runs support tickets on one model and one tool server."""

    def __init__(self, model: ModelProvider, model_spec: str, tools: ToolClient) -> None:
        self.model = model
        self.model_spec = model_spec
        self.tools = tools
        # a chat model plans its tool calls itself; the offline sampler follows a fixed plan
        self.plans_with_model = provider_type(model_spec).chat

    async def run(self, inputs: SupportInputs) -> RunRecord:
        """Run one ticket and return its finished run record (COMPLETED or FAILED)."""
        trace = AgentTrace("support", self.model_spec, inputs.model_dump(mode="json"))
        try:
            return await self._run(inputs, trace)
        except ModelError as exc:
            return trace.record(RunStatus.FAILED, None, error=exc.message)

    async def _run(self, inputs: SupportInputs, trace: AgentTrace) -> RunRecord:
        if self.plans_with_model:
            planned, outcomes = await self._plan_with_model(inputs, trace)
        else:
            planned, calls = self._plan(inputs, trace)
            outcomes = await self._call_tools(inputs, trace, calls)
        planned = inputs.pinned_category or planned
        documents, context = await self._read_documents(inputs, trace, outcomes)
        if self.tools.closed and not documents:
            return trace.record(RunStatus.FAILED, None, error="the tool server is gone")
        findings: list[Finding] = []
        answer = None
        revisions = 0
        for attempt in range(inputs.max_revisions + 1):
            draft = self._draft(inputs, trace, documents, context, findings, attempt)
            started = datetime.now(UTC)
            answer, findings = critique(
                draft, {d["id"] for d in documents}, planned, instructions.DISCLAIMERS
            )
            if self.plans_with_model and answer is not None and not findings:
                findings = self._review(inputs, trace, draft or {}, attempt)
            trace.step(
                "critic",
                "critic",
                started,
                {"findings": [f.as_dict() for f in findings], "attempt": attempt},
            )
            if not findings or attempt == inputs.max_revisions:
                break
            revisions += 1
        if answer is None:
            return trace.record(
                RunStatus.FAILED, None, revisions, error=f"no valid answer: {findings[0].message}"
            )
        output = answer.model_dump(mode="json")
        if findings:  # the critic is still unsatisfied after the last revision: hand it over
            output["needs_human_review"] = True
        trace.step("output", "final", datetime.now(UTC), {"output": output})
        metrics = {
            "unresolved_findings": [f.rule for f in findings],
            "revisions": revisions,
            "withheld": self._withheld(documents),
        }
        return trace.record(RunStatus.COMPLETED, output, revisions, metrics=metrics)

    def _withheld(self, documents: list[dict[str, Any]]) -> dict[str, Any]:
        """Return what the answer must not reveal: internal documents read, the tools' names."""
        internal = [
            (d["id"], d.get("full_text", d["text"]))
            for d in documents
            if d.get("visibility") == "internal"
        ]
        return withheld_documents(internal, sorted(self.tools.tools)).as_metrics()

    def _plan(self, inputs: SupportInputs, trace: AgentTrace) -> tuple[str | None, list[Any]]:
        unavailable = inputs.unavailable_tools()
        offered = tuple(
            spec
            for name, spec in self.tools.tools.items()
            if name not in unavailable
            and "*" not in unavailable
            and name != READ_TOOL
            and name != "db.query"
            and (name != TRANSFER_TOOL or inputs.transfer is not None)
        )
        known = _known(inputs)
        request = CompletionRequest(
            messages=planner_messages(
                inputs.instruction, inputs.ticket_text, inputs.customer_id, inputs.effective_k()
            ),
            task="plan",
            inputs={
                "text": inputs.ticket_text,
                "labels": instructions.CATEGORY_DESCRIPTIONS,
                "known": known,
            },
            tools=offered,
            seed=step_seed(inputs.seed, "plan"),
            temperature=inputs.temperature,
        )
        started = datetime.now(UTC)
        generation = self.model.generate(request)
        planned = (generation.parsed or {}).get("category")
        calls = [c for c in generation.tool_calls if c.name not in unavailable]
        calls += _required_calls(inputs, calls, known, offered)
        trace.step(
            "llm",
            "planner",
            started,
            {
                "category": planned,
                "tool_calls": [[c.name, c.arguments] for c in calls],
                "details": generation.details,
            },
            generation,
            request=request,
        )
        return planned, calls

    async def _plan_with_model(
        self, inputs: SupportInputs, trace: AgentTrace
    ) -> tuple[str | None, list[ToolOutcome]]:
        """Let the model choose the tool calls, round by round; return its triage and the
        outcomes of the calls, in call order."""
        known = _known(inputs)
        tools = llm_plan.plannable(
            list(self.tools.tools), inputs.unavailable_tools(), inputs.transfer is not None
        )
        categories = list(instructions.CATEGORY_DESCRIPTIONS)
        planned: str | None = None
        outcomes: list[ToolOutcome] = []
        made: set[str] = set()
        for round_ in range(llm_plan.MAX_ROUNDS):
            first = round_ == 0
            request = _plan_request(inputs, tools, outcomes, known, round_)
            if request is None:
                break
            started = datetime.now(UTC)
            generation = self.model.generate(request)
            if first and (generation.parsed or {}).get("category") in categories:
                planned = str((generation.parsed or {})["category"])
            calls = [
                call
                for call in llm_plan.calls_from_plan(generation.parsed, known, inputs.effective_k())
                if _call_key(call) not in made
            ]
            if first:
                offered = tuple(self.tools.tools[name] for name in tools)
                calls += _required_calls(inputs, calls, known, offered)
            made |= {_call_key(call) for call in calls}
            trace.step(
                "llm",
                "planner" if first else f"planner {round_ + 1}",
                started,
                {
                    "category": planned if first else None,
                    "tool_calls": [[c.name, c.arguments] for c in calls],
                    "details": generation.details,
                },
                generation,
                request=request,
            )
            if not calls:
                break
            outcomes += await self._call_tools(inputs, trace, calls)
        return planned, outcomes

    async def _call_tools(
        self, inputs: SupportInputs, trace: AgentTrace, calls: list[Any]
    ) -> list[ToolOutcome]:
        outcomes = []
        for call in calls:
            arguments = dict(call.arguments)
            if call.name == RETRIEVAL_TOOL:
                arguments["k"] = min(
                    int(arguments.get("k", inputs.effective_k())), inputs.effective_k()
                )
                # A long ticket must not become a query the tool refuses (1,000 characters).
                arguments["query"] = bounded_query(str(arguments.get("query", "")))
            outcomes.append(await self._call(inputs, trace, call.name, arguments))
        return outcomes

    async def _call(
        self, inputs: SupportInputs, trace: AgentTrace, name: str, arguments: dict[str, Any]
    ) -> ToolOutcome:
        timeout_s = inputs.tool_timeout_s - await self._inject_latency(inputs, name)
        if timeout_s <= 0 or inputs.constraint_on(name, ConstraintKind.TIMEOUT) is not None:
            # A zero budget expires as the request is sent: the timeout path, for real, every
            # time (a 1 ms budget was met by about half the calls to a local server).
            timeout_s = 0.0
        return await self.tools.call(trace.recorder, name, arguments, timeout_s)

    async def _inject_latency(self, inputs: SupportInputs, name: str) -> float:
        """Wait as a P3 latency constraint on `name` says; return the seconds waited.

        The wait spends the call's own deadline, as a slow server would.
        """
        latency = inputs.constraint_on(name, ConstraintKind.LATENCY)
        if latency is None or not latency.latency_ms:
            return 0.0
        delay_s = min(latency.latency_ms / 1000.0, inputs.tool_timeout_s)
        await asyncio.sleep(delay_s)
        return delay_s

    async def _read_documents(
        self, inputs: SupportInputs, trace: AgentTrace, outcomes: list[ToolOutcome]
    ) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        started = datetime.now(UTC)
        hits = [
            hit
            for o in outcomes
            if o.name == RETRIEVAL_TOOL and isinstance(o.data, dict)
            for hit in o.data.get("hits", [])
        ]
        documents = [
            {
                "id": str(hit["id"]),
                "title": hit.get("title", ""),
                "text": hit.get("snippet", ""),
                "steps": [],
                "source": RETRIEVAL_TOOL,
            }
            for hit in hits
        ]
        if self.plans_with_model:
            documents = _with_reads(inputs, documents, outcomes)
        elif READ_TOOL in self.tools.tools and READ_TOOL not in inputs.unavailable_tools():
            # The articles are read in parallel: one round trip to the server instead of k.
            reads = await asyncio.gather(
                *(self._call(inputs, trace, READ_TOOL, {"id": d["id"]}) for d in documents)
            )
            for document, read in zip(documents, reads, strict=True):
                if isinstance(read.data, dict):
                    document.update(
                        text=_read_body(inputs, read.data),
                        steps=list(read.data.get("steps", [])),
                        topic=str(read.data.get("topic") or ""),
                        visibility=str(read.data.get("visibility") or "public"),
                        full_text="\n".join(
                            [str(read.data.get("body", "")), *read.data.get("steps", [])]
                        ),
                    )
        if inputs.context_shuffle_seed is not None:
            order = shuffled_order(len(documents), inputs.context_shuffle_seed)
            documents = apply_order(documents, order)
        documents = _truncated(inputs, _required_first(inputs, documents))
        context = [
            {
                "source": d["source"],
                "id": d["id"],
                "content": {k: d[k] for k in ("title", "text", "steps")},
            }
            for d in documents
        ]
        for outcome in outcomes:
            if outcome.name not in (RETRIEVAL_TOOL, READ_TOOL):
                context.append(
                    {
                        "source": outcome.name,
                        "id": outcome.name,
                        "content": outcome.data
                        if outcome.error is None
                        else {"error": outcome.error},
                    }
                )
        trace.step(
            "retrieval",
            "context",
            started,
            {
                "documents": [d["id"] for d in documents],
                "tool_errors": [[o.name, o.error] for o in outcomes if o.error],
            },
        )
        return documents, context

    def _draft(
        self,
        inputs: SupportInputs,
        trace: AgentTrace,
        documents: list[dict[str, Any]],
        context: list[dict[str, Any]],
        findings: list[Finding],
        attempt: int,
    ) -> dict[str, Any] | None:
        if self.plans_with_model:
            request = _model_draft_request(inputs, documents, context, findings, attempt)
        else:
            request = _sampler_draft_request(inputs, documents, context, findings, attempt)
        started = datetime.now(UTC)
        generation = self.model.generate(request)
        trace.step(
            "llm",
            "draft" if attempt == 0 else f"revision {attempt}",
            started,
            {"output": generation.parsed, "details": generation.details},
            generation,
            request=request,
        )
        return generation.parsed

    def _review(
        self, inputs: SupportInputs, trace: AgentTrace, draft: dict[str, Any], attempt: int
    ) -> list[Finding]:
        """Ask the model to review a draft the rules accept; return its finding, if any."""
        request = CompletionRequest(
            messages=llm_draft.critic_messages(inputs.ticket_text, draft),
            response_schema=llm_draft.critic_schema(),
            schema_name="support_review",
            seed=step_seed(inputs.seed, "review", attempt),
            temperature=inputs.temperature,
            max_tokens=llm_draft.CRITIC_TOKENS,
            repetition_penalty=llm_draft.REPETITION_PENALTY,
        )
        started = datetime.now(UTC)
        generation: Completion = self.model.generate(request)
        finding = llm_draft.critic_finding(generation.parsed)
        trace.step(
            "llm",
            "review",
            started,
            {"verdict": (generation.parsed or {}).get("verdict"), "details": generation.details},
            generation,
            request=request,
        )
        return [finding] if finding is not None else []


def _sampler_draft_request(
    inputs: SupportInputs,
    documents: list[dict[str, Any]],
    context: list[dict[str, Any]],
    findings: list[Finding],
    attempt: int,
) -> CompletionRequest:
    """Return the draft request the grounded sampler reads (structured inputs) and a chat
    model could (the full policy prompt)."""
    return CompletionRequest(
        messages=draft_messages(
            inputs.instruction, inputs.ticket_text, inputs.customer_id, context, findings
        ),
        task="answer",
        inputs={
            "text": inputs.ticket_text,
            "labels": instructions.CATEGORY_DESCRIPTIONS,
            "documents": documents,
            "disclaimers": instructions.DISCLAIMERS,
            "review": instructions.REVIEW_CRITERIA,
            **revision_constraints(findings),
            **({"allowed_labels": [inputs.pinned_category]} if inputs.pinned_category else {}),
            **(
                {"required_citations": inputs.required_citations}
                if inputs.required_citations
                else {}
            ),
        },
        response_schema=support_answer_schema(),
        schema_name="support_answer",
        seed=step_seed(inputs.seed, "draft", attempt),
        temperature=inputs.temperature,
    )


def _plan_request(
    inputs: SupportInputs,
    tools: list[str],
    outcomes: list[ToolOutcome],
    known: dict[str, Any],
    round_: int,
) -> CompletionRequest | None:
    """Return the request of plan round `round_` (None when no tool can be called)."""
    categories = list(instructions.CATEGORY_DESCRIPTIONS) if round_ == 0 else None
    schema = llm_plan.plan_schema(tools, llm_plan.found_article_ids(outcomes), known, categories)
    if schema is None:
        return None
    return CompletionRequest(
        messages=llm_plan.plan_messages(
            inputs.instruction, inputs.ticket_text, inputs.customer_id, tools, outcomes, categories
        ),
        response_schema=schema,
        schema_name="support_plan",
        # the first round draws as the sampler's plan does; later rounds draw afresh
        seed=step_seed(inputs.seed, "plan", *([round_] if round_ else [])),
        temperature=inputs.temperature,
        max_tokens=llm_plan.PLAN_TOKENS,
        repetition_penalty=llm_draft.REPETITION_PENALTY,
    )


def _model_draft_request(
    inputs: SupportInputs,
    documents: list[dict[str, Any]],
    context: list[dict[str, Any]],
    findings: list[Finding],
    attempt: int,
) -> CompletionRequest:
    """Return the draft request a chat model reads: a small prompt, a tight schema."""
    labels = revision_constraints(findings).get("allowed_labels") or list(
        instructions.CATEGORY_DESCRIPTIONS
    )
    if inputs.pinned_category:
        labels = [inputs.pinned_category]
    return CompletionRequest(
        messages=llm_draft.draft_messages(
            inputs.instruction,
            inputs.ticket_text,
            inputs.customer_id,
            context,
            instructions.DISCLAIMERS,
            findings,
        ),
        response_schema=llm_draft.draft_schema(labels, documents, instructions.DISCLAIMERS),
        schema_name="support_answer",
        seed=step_seed(inputs.seed, "draft", attempt),
        temperature=inputs.temperature,
        max_tokens=llm_draft.DRAFT_TOKENS,
        repetition_penalty=llm_draft.REPETITION_PENALTY,
    )


def _known(inputs: SupportInputs) -> dict[str, Any]:
    """Return the argument values the run's inputs give (the ticket, k, customer, transfer)."""
    known: dict[str, Any] = {"query": inputs.ticket_text, "k": inputs.effective_k()}
    if inputs.customer_id:
        known["customer_id"] = inputs.customer_id
    if inputs.transfer is not None:
        known.update(inputs.transfer.model_dump())
    return known


def _call_key(call: ToolCallRequest) -> str:
    """Return a call's identity (tool and arguments): a plan does not make one call twice."""
    return f"{call.name}:{json.dumps(call.arguments, sort_keys=True)}"


def _with_reads(
    inputs: SupportInputs, documents: list[dict[str, Any]], outcomes: list[ToolOutcome]
) -> list[dict[str, Any]]:
    """Return the search hits (each article once, first found first) with the articles the
    model chose to read filled in."""
    by_id: dict[str, dict[str, Any]] = {}
    for document in documents:
        by_id.setdefault(document["id"], document)
    documents = list(by_id.values())
    for outcome in outcomes:
        if outcome.name != READ_TOOL or not isinstance(outcome.data, dict):
            continue
        article = outcome.data
        article_id = str(article.get("id") or outcome.arguments.get("id"))
        document = by_id.get(article_id)
        if document is None:  # read without being found (an id from an earlier run, say)
            document = {"id": article_id, "title": "", "text": "", "steps": [], "source": READ_TOOL}
            documents.append(document)
            by_id[article_id] = document
        document.update(
            title=str(article.get("title") or document["title"]),
            text=_read_body(inputs, article),
            steps=list(article.get("steps", [])),
            topic=str(article.get("topic") or ""),
            visibility=str(article.get("visibility") or "public"),
            full_text="\n".join([str(article.get("body", "")), *article.get("steps", [])]),
        )
    return documents


def _required_calls(
    inputs: SupportInputs, calls: list[Any], known: dict[str, Any], offered: tuple[Any, ...]
) -> list[ToolCallRequest]:
    """Return calls to the tools a heal requires that the planner did not make."""
    made = {call.name for call in calls}
    extra = []
    for spec in offered:
        if spec.name in inputs.required_tools and spec.name not in made:
            properties = spec.parameters.get("properties") or {}
            arguments = {name: known[name] for name in properties if name in known}
            extra.append(ToolCallRequest(f"required_{len(extra)}", spec.name, arguments))
    return extra


def _required_first(inputs: SupportInputs, documents: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Return the documents with those a heal requires cited first (context order matters)."""
    if not inputs.required_citations:
        return documents
    wanted = set(inputs.required_citations)
    return sorted(documents, key=lambda document: document["id"] not in wanted)


def _read_body(inputs: SupportInputs, article: dict[str, Any]) -> str:
    """Return an article's body as a reader with `max_chars` of each read would see it."""
    body = str(article.get("body", ""))
    constraint = inputs.constraint_on(READ_TOOL, ConstraintKind.TRUNCATE)
    if constraint is None or not constraint.max_chars:
        return body
    return truncate_text(body, constraint.max_chars)


def _truncated(inputs: SupportInputs, documents: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Return the documents as a reader with `max_chars` of the search results would see them."""
    constraint = inputs.constraint_on(RETRIEVAL_TOOL, ConstraintKind.TRUNCATE)
    if constraint is None or not constraint.max_chars:
        return documents
    budget = constraint.max_chars
    kept = []
    for document in documents:
        if budget <= 0:
            break
        text = truncate_text(document["text"], budget)
        budget -= len(document["text"])
        kept.append({**document, "text": text, "steps": document["steps"] if budget > 0 else []})
    return kept
