"""The one interface every model provider implements: a request in, a recorded Completion out."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

from keel.core.errors import KeelError


class ModelError(KeelError):
    """A provider failed to produce a generation (endpoint down, bad reply, missing extra)."""

    code = "model_error"
    status_code = 502


@dataclass(frozen=True)
class ToolCallRequest:
    """A tool call the model asked for, with its arguments already decoded from JSON."""

    call_id: str
    name: str
    arguments: dict[str, Any]


@dataclass(frozen=True)
class Message:
    """One chat message; `tool_call_id` links a `tool` message to the call it answers."""

    role: Literal["system", "user", "assistant", "tool"]
    content: str
    tool_call_id: str | None = None
    tool_calls: tuple[ToolCallRequest, ...] = ()


@dataclass(frozen=True)
class ToolSpec:
    """A tool the model may call: its name, what it does, and its arguments' JSON Schema."""

    name: str
    description: str
    parameters: dict[str, Any]


@dataclass(frozen=True)
class CompletionRequest:
    """What a step asks of a model.

    `messages` is the prompt every chat model sees. `task` and `inputs` carry the same content
    as structured data for models that read it that way (the offline grounded sampler).
    `response_schema` asks for JSON output matching that schema. `repetition_penalty` is sent
    only to servers that accept one (llama.cpp's); small models repeat themselves without it.
    """

    messages: tuple[Message, ...] = ()
    task: str | None = None
    inputs: dict[str, Any] = field(default_factory=dict)
    tools: tuple[ToolSpec, ...] = ()
    response_schema: dict[str, Any] | None = None
    schema_name: str = "output"
    temperature: float = 0.7
    seed: int = 0
    max_tokens: int = 1024
    repetition_penalty: float | None = None


@dataclass
class Completion:
    """One model call as recorded: its output and everything needed to account for it."""

    provider: str
    model: str
    seed: int
    temperature: float
    text: str = ""
    parsed: dict[str, Any] | None = None
    tool_calls: list[ToolCallRequest] = field(default_factory=list)
    input_tokens: int = 0
    output_tokens: int = 0
    cost_usd: float = 0.0
    latency_ms: float = 0.0
    finish_reason: str | None = None
    quantization: str | None = None  # the weights' quantisation, when the model's name says it
    details: dict[str, Any] = field(default_factory=dict)

    def record(self) -> dict[str, Any]:
        """Return the accounting fields of this generation as a JSON-ready dict."""
        return {
            "provider": self.provider,
            "model": self.model,
            "seed": self.seed,
            "temperature": self.temperature,
            "input_tokens": self.input_tokens,
            "output_tokens": self.output_tokens,
            "cost_usd": self.cost_usd,
            "latency_ms": round(self.latency_ms, 3),
            "finish_reason": self.finish_reason,
            "quantization": self.quantization,
        }


class ModelProvider(Protocol):
    """A model keel's agents can run on."""

    provider: str
    model: str

    def generate(self, request: CompletionRequest) -> Completion:
        """Return the model's generation for `request`, or raise ModelError."""
        ...

    def close(self) -> None:
        """Release what the provider holds open (connections, a loaded model)."""
        ...
