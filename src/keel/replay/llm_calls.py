"""Replay an ingested trace by re-issuing its LLM calls to a configured chat model.

The first LLM call's messages (perturbed: P1 paraphrases system and user turns, P2 reorders
context blocks and parallel tool results, P3 drops a tool from the definitions or truncates tool
results) go to the model named by KEEL_MODEL (an OpenAI-compatible endpoint or a local model).
Tool calls it makes are answered from the trace's own ledger, matched by tool name and argument
digest; a call the trace never made is answered "unavailable" and counted as a divergence.
"""

from __future__ import annotations

import json
import random
import re
import threading
from dataclasses import dataclass, field, replace
from typing import Any

from keel.core.records import EventRecord, RunRecord, ToolCallRecord
from keel.core.redaction import args_digest, args_preview
from keel.core.settings import Settings
from keel.ingest.storing import store_runs
from keel.models.provider import (
    CompletionRequest,
    Message,
    ModelError,
    ModelProvider,
    ToolSpec,
)
from keel.models.registry import load_model, parse_model_spec, provider_type
from keel.replay.chat_messages import (
    input_messages,
    normalise_messages,
    tool_definitions,
    tool_ledger,
)
from keel.replay.paraphrase import paraphrase
from keel.replay.plan import Perturbation, ReplaySpec, derive_seed
from keel.replay.shuffle import apply_order, shuffled_order
from keel.replay.target import PerturbedInputs
from keel.store.engine import Database
from keel.store.models import Event, utcnow
from keel.store.runs import RunDetail

UNAVAILABLE = "unavailable: this tool call was not made in the recorded run"
MAX_STEPS = 8
#: A dated snapshot (`-2024-07-18`, `-20240718`) or version tag (`:latest`) names its family.
_SNAPSHOT = re.compile(r"(-\d{4}-\d{2}-\d{2}|-\d{8}|:[\w.-]+)$")


def model_family(model: str) -> str:
    """Return the model a name denotes: `openai/gpt-4o-2024-08-06` is `gpt-4o`."""
    name = model.strip().lower().rsplit("/", 1)[-1]
    return _SNAPSHOT.sub("", name)


@dataclass
class Conversation:
    """What a replayed call starts from, and how tool results are to be altered."""

    messages: list[Message]
    tools: list[ToolSpec]
    temperature: float
    truncate_to: int | None = None
    shuffle_seed: int | None = None
    ledger: dict[tuple[str, str], str] = field(default_factory=dict)


def _llm_events(base: RunDetail) -> list[Event]:
    return [event for event in base.events if event.event_type == "llm"]


def _temperature(payload: dict[str, Any]) -> float:
    attributes = payload.get("attributes", {})
    value = attributes.get("gen_ai.request.temperature")
    if value is None and isinstance(attributes.get("llm.invocation_parameters"), str):
        value = json.loads(attributes["llm.invocation_parameters"]).get("temperature")
    return float(value) if value is not None else 1.0


def _blocks_shuffled(text: str, seed: int) -> tuple[str, list[int] | None]:
    """Keep a message's first block (its instruction); reorder the context blocks after it."""
    blocks = text.split("\n\n")
    if len(blocks) < 3:
        return text, None
    order = shuffled_order(len(blocks) - 1, seed)
    return "\n\n".join([blocks[0], *apply_order(blocks[1:], order)]), order


class LlmCallTarget:
    """Replays runs ingested from traces whose LLM calls carry their messages."""

    name = "llm_calls"

    def __init__(self, database: Database, settings: Settings) -> None:
        self.database = database
        self.settings = settings
        # One client for every replay of the target's lifetime: building one loads the TLS
        # trust store, half a replay's CPU (bench/workers.py), and concurrent replays share it.
        self._model: ModelProvider | None = None
        self._model_lock = threading.Lock()

    def accepts(self, base: RunDetail) -> bool:
        return "entrypoint" not in base.run.inputs and bool(_llm_events(base))

    def unreplayable_reason(self, base: RunDetail) -> str | None:
        if not input_messages(_llm_events(base)[0].payload):
            return (
                "its LLM calls carry no messages; turn on message capture in your "
                "instrumentation (OpenTelemetry GenAI: OTEL_INSTRUMENTATION_GENAI_CAPTURE_"
                "MESSAGE_CONTENT=true; OpenInference records them unless hidden)"
            )
        if not provider_type(self.settings.model).chat:
            return (
                f"re-issuing its LLM calls needs a chat model, and KEEL_MODEL="
                f"{self.settings.model} answers structured tasks only; set KEEL_MODEL="
                "openai:<model>@<base_url> (any OpenAI-compatible endpoint)"
            )
        return self._model_mismatch(base)

    def _model_mismatch(self, base: RunDetail) -> str | None:
        """Why the configured model cannot stand in for the run's: replaying a gpt-4o run on
        another model measures the swap, not the run's stability, so keel refuses it."""
        recorded = next((e.model for e in _llm_events(base) if e.model), None) or base.run.model
        configured = parse_model_spec(self.settings.model).model
        if not recorded or model_family(recorded) == model_family(configured):
            return None
        return (
            f"this run was made by {recorded} and KEEL_MODEL={self.settings.model} names "
            f"{configured}: a replay on another model measures the model change, not the "
            f"run's stability; set KEEL_MODEL=openai:{model_family(recorded)}@<base_url> "
            "(an OpenAI-compatible endpoint serving that model)"
        )

    def close(self) -> None:
        if self._model is not None:
            self._model.close()
            self._model = None

    def observed_output(self, base: RunDetail) -> dict[str, Any] | None:
        if base.run.output:
            return base.run.output
        last = _llm_events(base)[-1].payload
        answers = [m.content for m in normalise_messages(last.get("output_messages")) if m.content]
        return _answer_output(answers[-1]) if answers else None

    def perturb(self, base: RunDetail, spec: ReplaySpec) -> PerturbedInputs:
        first = _llm_events(base)[0].payload
        messages, tools = input_messages(first), tool_definitions(first)
        conversation = Conversation(messages, tools, _temperature(first))
        conversation.ledger = tool_ledger(input_messages(e.payload) for e in _llm_events(base))
        record: dict[str, Any] = {"kind": str(spec.perturbation)}
        if spec.perturbation == Perturbation.P1:
            conversation.messages = [
                replace(
                    m,
                    content=paraphrase(
                        m.content,
                        derive_seed(spec.perturbation_seed, i),
                        is_message=m.role == "user",
                    ),
                )
                if m.role in ("system", "user") and m.content
                else m
                for i, m in enumerate(messages)
            ]
            record["messages"] = [
                m.content for m in conversation.messages if m.role in ("system", "user")
            ]
        elif spec.perturbation == Perturbation.P2:
            record.update(self._reorder(conversation, spec.perturbation_seed))
        elif spec.perturbation == Perturbation.P3:
            record.update(self._constrain(conversation, spec.perturbation_seed))
        return PerturbedInputs({"conversation": conversation}, record)

    @staticmethod
    def _reorder(conversation: Conversation, seed: int) -> dict[str, Any]:
        orders = {}
        for index, message in enumerate(conversation.messages):
            if message.role in ("system", "user"):
                text, order = _blocks_shuffled(message.content, derive_seed(seed, index))
                if order:
                    conversation.messages[index] = replace(message, content=text)
                    orders[str(index)] = order
        conversation.shuffle_seed = seed
        return {"context_orders": orders, "tool_results": "parallel results reordered"}

    @staticmethod
    def _constrain(conversation: Conversation, seed: int) -> dict[str, Any]:
        rng = random.Random(seed)
        if len(conversation.tools) > 1:
            dropped = rng.choice(conversation.tools).name
            conversation.tools = [t for t in conversation.tools if t.name != dropped]
            return {"constraint": {"kind": "unavailable", "tool": dropped}}
        lengths = [len(text) for text in conversation.ledger.values()] or [200]
        conversation.truncate_to = max(20, min(lengths) // 2)
        return {"constraint": {"kind": "truncate", "max_chars": conversation.truncate_to}}

    def execute(
        self, base: RunDetail, perturbed: PerturbedInputs, spec: ReplaySpec, run_id: str
    ) -> None:
        conversation: Conversation = perturbed.inputs["conversation"]
        record = RunRecord(
            run_id=run_id,
            workflow_type=base.run.workflow_type,
            created_at=utcnow(),
            source="replay",
            model=self.settings.model,
            parent_run_id=base.run.run_id,
            inputs={"replay_of": base.run.run_id, "perturbation": perturbed.record},
        )
        try:
            answer = self._converse(conversation, spec.generation_seed, record)
        except ModelError as exc:
            # A model keel cannot reach says nothing about the run: the set gets no score.
            raise ModelError(
                f"replay not scored: the model {self.settings.model} did not answer "
                f"({exc.message}); point KEEL_MODEL=openai:<model>@<base_url> at an endpoint "
                "serving the run's model",
                field="KEEL_MODEL",
            ) from exc
        record.output = _answer_output(answer)
        record.ended_at = utcnow()
        divergences = [call.tool_name for call in record.tool_calls if call.error]
        record.metrics = {"divergences": len(divergences), "diverging_tools": divergences}
        with self.database.write() as session:
            store_runs(session, [record], "replay", "replay")

    def _converse(self, conversation: Conversation, seed: int, record: RunRecord) -> str:
        with self._model_lock:
            if self._model is None:
                self._model = load_model(self.settings.model, self.settings)
        return self._exchange(self._model, conversation, seed, record)

    def _exchange(
        self, model: ModelProvider, conversation: Conversation, seed: int, record: RunRecord
    ) -> str:
        messages = list(conversation.messages)
        for step in range(MAX_STEPS):
            started = utcnow()
            request = CompletionRequest(
                tuple(messages),
                tools=tuple(conversation.tools),
                temperature=conversation.temperature,
                seed=seed + step,
            )
            reply = model.generate(request)
            record.events.append(
                EventRecord(
                    event_type="llm",
                    seq=len(record.events),
                    name=f"chat {reply.model}",
                    started_at=started,
                    ended_at=utcnow(),
                    model=reply.model,
                    input_tokens=reply.input_tokens,
                    output_tokens=reply.output_tokens,
                    cost_usd=reply.cost_usd,
                    payload={
                        "output": reply.text,
                        "tool_calls": [
                            {"name": c.name, "arguments": c.arguments} for c in reply.tool_calls
                        ],
                    },
                )
            )
            if not reply.tool_calls:
                return reply.text
            messages.append(Message("assistant", reply.text, None, tuple(reply.tool_calls)))
            messages += self._answer_tools(conversation, reply.tool_calls, record, seed + step)
        return messages[-1].content

    @staticmethod
    def _answer_tools(
        conversation: Conversation, calls: Any, record: RunRecord, seed: int
    ) -> list[Message]:
        answers = []
        for call in calls:
            digest = args_digest(call.arguments)
            result = conversation.ledger.get((call.name, digest))
            if result is not None and conversation.truncate_to:
                result = result[: conversation.truncate_to] + " [truncated]"
            now = utcnow()
            record.tool_calls.append(
                ToolCallRecord(
                    tool_name=call.name,
                    args_digest=digest,
                    args_preview=args_preview(call.arguments),
                    seq=len(record.tool_calls),
                    call_id=call.call_id,
                    started_at=now,
                    ended_at=now,
                    latency_ms=0.0,
                    result_meta={"source": "ledger", "size": len(result or "")},
                    error=None
                    if result is not None
                    else "no recorded result: answered unavailable",
                )
            )
            answers.append(
                Message("tool", result if result is not None else UNAVAILABLE, call.call_id)
            )
        if conversation.shuffle_seed is not None and len(answers) > 1:
            answers = apply_order(answers, shuffled_order(len(answers), seed))
        return answers


def _answer_output(text: str) -> dict[str, Any]:
    """Return a final answer as an output: a JSON object's fields, always with "answer"."""
    try:
        parsed = json.loads(text)
    except (json.JSONDecodeError, TypeError):
        parsed = None
    output = dict(parsed) if isinstance(parsed, dict) else {}
    output.setdefault("answer", text if not isinstance(parsed, dict) else json.dumps(parsed))
    return output
