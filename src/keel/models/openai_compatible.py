"""`openai:<model>@<base_url>`: any OpenAI-compatible chat-completions endpoint.

Servers differ in two things keel needs: how they take a JSON schema for the output, and
whether they take a repetition penalty. The provider speaks the standard form first and, when
a server refuses a schema request in that form, asks once more in llama.cpp's form; a server
that accepts it is llama.cpp's, and every later request of this provider goes in its dialect
(schema as `json_object`, `repeat_penalty` sent). Hosted APIs never see either.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import openai

from keel.core.pricing import load_prices
from keel.models.chat_format import (
    JSON_OBJECT,
    JSON_SCHEMA,
    generation_from_completion,
    request_body,
)
from keel.models.provider import Completion, CompletionRequest, ModelError

# Servers that need no key (llama.cpp server, vLLM, Ollama) still get a non-empty one, because
# the client refuses to start without it.
_NO_KEY = "not-needed"
# How a server that does not know the standard schema form refuses it (llama.cpp's Python
# server: 500; others: 400 or 422). Anything else (auth, rate limit) is not a dialect question.
_REFUSALS = frozenset({400, 422, 500})


@dataclass(frozen=True)
class Dialect:
    """How one server takes a schema for the output, and its repetition penalty's name."""

    name: str
    schema_form: str
    repetition_penalty: str | None = None


STANDARD = Dialect("openai", JSON_SCHEMA)
LLAMA_CPP = Dialect("llama.cpp", JSON_OBJECT, repetition_penalty="repeat_penalty")


class OpenAICompatible:
    """Chat completions with tools and JSON-schema output against one endpoint."""

    provider = "openai"

    def __init__(
        self,
        model: str,
        base_url: str | None = None,
        api_key: str | None = None,
        timeout_s: float = 120.0,
        prices_file: Path | None = None,
        dialect: Dialect | None = None,
    ) -> None:
        self.model = model
        self.base_url = base_url
        # None until the server has answered a schema request: then the dialect it speaks
        self.dialect = dialect
        self._prices_file = prices_file
        key = api_key or os.environ.get("KEEL_OPENAI_API_KEY") or os.environ.get("OPENAI_API_KEY")
        self._client = openai.OpenAI(
            api_key=key or _NO_KEY, base_url=base_url, timeout=timeout_s, max_retries=1
        )

    def generate(self, request: CompletionRequest) -> Completion:
        """Return the endpoint's generation for `request`, or raise ModelError."""
        started = time.perf_counter()
        completion = self._complete(request)
        generation = generation_from_completion(
            completion.model_dump(), request, self.provider, self.model
        )
        generation.latency_ms = (time.perf_counter() - started) * 1000.0
        cost = load_prices(self._prices_file).cost_usd(
            generation.model, generation.input_tokens, generation.output_tokens
        )
        generation.cost_usd = cost or 0.0
        generation.details["price_known"] = cost is not None
        if self.dialect is not None:
            generation.details["dialect"] = self.dialect.name
        return generation

    def _complete(self, request: CompletionRequest) -> Any:
        """Return the server's reply, learning its dialect from its first schema request."""
        if self.dialect is not None or request.response_schema is None:
            return self._send(request, self.dialect or STANDARD)
        try:
            # no retry of this probe: a refusal of the form is not transient
            reply = self._send(request, STANDARD, retries=0)
        except ModelError as refused:
            if getattr(refused.__cause__, "status_code", None) not in _REFUSALS:
                raise
            try:
                reply = self._send(request, LLAMA_CPP)
            except ModelError as second:
                # not (only) a dialect question: report both, the second is often the cause
                # (its server crashed or timed out), and the first names the endpoint
                raise ModelError(f"{refused}; in llama.cpp's form: {second}") from second
            self.dialect = LLAMA_CPP
            return reply
        self.dialect = STANDARD
        return reply

    def _send(self, request: CompletionRequest, dialect: Dialect, retries: int = 1) -> Any:
        body = request_body(request, dialect.schema_form)
        extra: dict[str, Any] = {}
        if dialect.repetition_penalty and request.repetition_penalty is not None:
            extra[dialect.repetition_penalty] = request.repetition_penalty
        try:
            return self._client.with_options(max_retries=retries).chat.completions.create(
                model=self.model, **body, extra_body=extra or None
            )
        except openai.APIError as exc:
            where = f"openai:{self.model}@{self.base_url or 'default endpoint'}"
            raise ModelError(f"{where}: {exc}") from exc

    def close(self) -> None:
        """Close the client's pooled connections."""
        self._client.close()
