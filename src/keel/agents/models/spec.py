"""`KEEL_MODEL` specs: which provider and model a spec names, and the provider it builds.

offline                                   the grounded sampler (the default)
offline:grounded-sampler                  the same, named in full
openai:<model>[@<base_url>]               any OpenAI-compatible endpoint
local:<path to a .gguf file>              llama.cpp, with `keel[local]` installed
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import ExitStack, closing, contextmanager
from dataclasses import dataclass
from pathlib import Path

from keel.agents.models.generation import ModelProvider
from keel.agents.models.grounded_sampler import MODEL_NAME, GroundedSampler
from keel.config import Settings
from keel.errors import InvalidInput

PROVIDERS = ("offline", "openai", "local")


@dataclass(frozen=True)
class ModelSpec:
    """A parsed model spec."""

    provider: str
    model: str
    base_url: str | None = None

    def __str__(self) -> str:
        return f"{self.provider}:{self.model}" + (f"@{self.base_url}" if self.base_url else "")


def _bad(spec: str, why: str) -> InvalidInput:
    return InvalidInput(
        f"bad model spec {spec!r}: {why} (expected offline, openai:<model>@<base_url> "
        "or local:<path.gguf>)",
        field="KEEL_MODEL",
    )


def parse_model_spec(spec: str) -> ModelSpec:
    """Return the ModelSpec `spec` names, or raise InvalidInput quoting it."""
    text = spec.strip()
    provider, _, rest = text.partition(":")
    if provider not in PROVIDERS:
        raise _bad(spec, f"unknown provider {provider!r}")
    if provider == "offline":
        if rest not in ("", MODEL_NAME):
            raise _bad(spec, f"the offline provider has one model, {MODEL_NAME}")
        return ModelSpec("offline", MODEL_NAME)
    if not rest:
        raise _bad(spec, "the model is missing")
    if provider == "local":
        if not rest.endswith(".gguf"):
            raise _bad(spec, "local models are .gguf files")
        return ModelSpec("local", rest)
    model, at, base_url = rest.partition("@")
    if not model or (at and not base_url.startswith(("http://", "https://"))):
        raise _bad(spec, "the base URL must start with http:// or https://")
    return ModelSpec("openai", model, base_url or None)


def load_model(spec: str | ModelSpec, settings: Settings | None = None) -> ModelProvider:
    """Return the provider `spec` names (default: `KEEL_MODEL`)."""
    settings = settings or Settings()
    parsed = spec if isinstance(spec, ModelSpec) else parse_model_spec(spec)
    if parsed.provider == "offline":
        return GroundedSampler(settings.embedder)
    if parsed.provider == "local":
        from keel.agents.models.llama_local import LlamaLocal

        return LlamaLocal(Path(parsed.model))
    from keel.agents.models.openai_compatible import OpenAICompatible

    key = settings.openai_api_key.get_secret_value() if settings.openai_api_key else None
    return OpenAICompatible(
        parsed.model, parsed.base_url, api_key=key, prices_file=settings.prices_file
    )


@contextmanager
def loaded_models(
    specs: Iterable[str], settings: Settings | None = None
) -> Iterator[dict[str, ModelProvider]]:
    """Yield one provider per distinct spec of `specs`, each closed when the block ends."""
    with ExitStack() as stack:
        yield {
            spec: stack.enter_context(closing(load_model(spec, settings)))
            for spec in dict.fromkeys(specs)
        }
