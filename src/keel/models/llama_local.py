"""`local:<path.gguf>`: a GGUF model run in-process by llama.cpp (`pip install 'keel[local]'`).

llama-cpp-python is an optional extra: it compiles llama.cpp on install, so the default install
leaves it out and this module imports it only when a `local:` model is asked for.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from keel.core.errors import InvalidInput
from keel.models.chat_format import JSON_OBJECT, generation_from_completion, request_body
from keel.models.provider import Completion, CompletionRequest, ModelError

EXTRA_HINT = "local: models need the optional extra: pip install 'keel[local]' (llama-cpp-python)"


def _llama_class() -> Any:
    try:
        from llama_cpp import Llama
    except ImportError:
        raise ModelError(EXTRA_HINT) from None
    return Llama


class LlamaLocal:
    """A GGUF model loaded once; chat completions with tools and JSON-schema output."""

    provider = "local"

    def __init__(self, path: Path, context_tokens: int = 4096) -> None:
        if not path.is_file():
            raise InvalidInput(f"no GGUF model file at {path}", field="KEEL_MODEL")
        llama = _llama_class()
        self.model = path.name
        self._llama = llama(model_path=str(path), n_ctx=context_tokens, verbose=False)

    def generate(self, request: CompletionRequest) -> Completion:
        """Return llama.cpp's generation for `request`."""
        started = time.perf_counter()
        # llama.cpp constrains decoding with a grammar compiled from the schema
        body = request_body(request, JSON_OBJECT)
        if request.repetition_penalty is not None:
            body["repeat_penalty"] = request.repetition_penalty
        try:
            completion = self._llama.create_chat_completion(**body)
        except (ValueError, RuntimeError) as exc:
            raise ModelError(f"local:{self.model}: {exc}") from None
        # llama.cpp names the model by its file path; record the file's name, as the spec shows
        completion = {**completion, "model": self.model}
        generation = generation_from_completion(completion, request, self.provider, self.model)
        generation.latency_ms = (time.perf_counter() - started) * 1000.0
        return generation

    def close(self) -> None:
        """Free the model's memory now rather than at garbage collection."""
        self._llama.close()
