"""`openai:<model>@<base_url>`: any OpenAI-compatible chat-completions endpoint."""

from __future__ import annotations

import os
import time
from pathlib import Path

import openai

from keel.core.pricing import load_prices
from keel.models.chat_format import generation_from_completion, request_body
from keel.models.provider import Completion, CompletionRequest, ModelError

# Servers that need no key (llama.cpp server, vLLM, Ollama) still get a non-empty one, because
# the client refuses to start without it.
_NO_KEY = "not-needed"


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
    ) -> None:
        self.model = model
        self.base_url = base_url
        self._prices_file = prices_file
        key = api_key or os.environ.get("KEEL_OPENAI_API_KEY") or os.environ.get("OPENAI_API_KEY")
        self._client = openai.OpenAI(
            api_key=key or _NO_KEY, base_url=base_url, timeout=timeout_s, max_retries=1
        )

    def generate(self, request: CompletionRequest) -> Completion:
        """Return the endpoint's generation for `request`, or raise ModelError."""
        started = time.perf_counter()
        try:
            completion = self._client.chat.completions.create(
                model=self.model, **request_body(request)
            )
        except openai.APIError as exc:
            where = f"openai:{self.model}@{self.base_url or 'default endpoint'}"
            raise ModelError(f"{where}: {exc}") from None
        generation = generation_from_completion(
            completion.model_dump(), request, self.provider, self.model
        )
        generation.latency_ms = (time.perf_counter() - started) * 1000.0
        cost = load_prices(self._prices_file).cost_usd(
            generation.model, generation.input_tokens, generation.output_tokens
        )
        generation.cost_usd = cost or 0.0
        generation.details["price_known"] = cost is not None
        return generation

    def close(self) -> None:
        """Close the client's pooled connections."""
        self._client.close()
