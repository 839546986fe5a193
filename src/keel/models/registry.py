"""`KEEL_MODEL` specs: which provider type a spec names, and the provider it builds.

Built in:

    openai:<model>[@<base_url>]               any OpenAI-compatible endpoint
    local:<path to a .gguf file>              llama.cpp in-process, with `keel[local]` installed

Plugins add their own types (`keel_model_providers`); keel's reference demo adds
`offline[:grounded-sampler]`, the offline default.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import ExitStack, closing, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from keel.core.errors import InvalidInput
from keel.core.settings import Settings
from keel.models.provider import ModelProvider
from keel.plugins.manager import collected, plugin_manager


@dataclass(frozen=True)
class ModelSpec:
    """A parsed model spec."""

    provider: str
    model: str
    base_url: str | None = None

    def __str__(self) -> str:
        return f"{self.provider}:{self.model}" + (f"@{self.base_url}" if self.base_url else "")


class ProviderType(Protocol):
    """One kind of model provider: the specs it reads (`name:...`) and how it is built."""

    name: str
    usage: str  # the spec's form, for error messages: "openai:<model>@<base_url>"
    chat: bool  # answers free-form chat (re-issuing a recorded conversation needs it)
    # A type may also set `remote = True` (default False): its calls wait on another machine
    # rather than compute here, so many may be in flight at once (`calls_in_flight`).

    def parse(self, rest: str) -> ModelSpec:
        """Return the spec `name:rest` names, or raise ValueError saying what is wrong."""
        ...

    def build(self, spec: ModelSpec, settings: Settings) -> ModelProvider:
        """Return the provider `spec` names, configured by `settings`."""
        ...


class OpenAIType:
    """`openai:<model>[@<base_url>]`."""

    name = "openai"
    usage = "openai:<model>@<base_url>"
    chat = True
    remote = True

    def parse(self, rest: str) -> ModelSpec:
        model, at, base_url = rest.partition("@")
        if not model:
            raise ValueError("the model is missing")
        if at and not base_url.startswith(("http://", "https://")):
            raise ValueError("the base URL must start with http:// or https://")
        return ModelSpec(self.name, model, base_url or None)

    def build(self, spec: ModelSpec, settings: Settings) -> ModelProvider:
        from keel.models.openai_compatible import OpenAICompatible

        key = settings.openai_api_key.get_secret_value() if settings.openai_api_key else None
        return OpenAICompatible(
            spec.model, spec.base_url, api_key=key, prices_file=settings.prices_file
        )


class LocalType:
    """`local:<path.gguf>`."""

    name = "local"
    usage = "local:<path.gguf>"
    chat = True

    def parse(self, rest: str) -> ModelSpec:
        if not rest:
            raise ValueError("the model is missing")
        if not rest.endswith(".gguf"):
            raise ValueError("local models are .gguf files")
        return ModelSpec(self.name, rest)

    def build(self, spec: ModelSpec, settings: Settings) -> ModelProvider:
        from keel.models.llama_local import LlamaLocal

        return LlamaLocal(Path(spec.model))


def provider_types() -> dict[str, ProviderType]:
    """Return every provider type by name: the plugins' first, then the built-in ones."""
    found: list[ProviderType] = collected(plugin_manager().hook.keel_model_providers())
    types: dict[str, ProviderType] = {}
    for kind in [*found, OpenAIType(), LocalType()]:
        types.setdefault(kind.name, kind)
    return types


def _bad(spec: str, why: str, types: Iterable[ProviderType]) -> InvalidInput:
    forms = ", ".join(kind.usage for kind in types)
    return InvalidInput(f"bad model spec {spec!r}: {why} (expected {forms})", field="KEEL_MODEL")


def provider_type(spec: str | ModelSpec) -> ProviderType:
    """Return the type of provider `spec` names, or raise InvalidInput quoting it."""
    types = provider_types()
    name = spec.provider if isinstance(spec, ModelSpec) else spec.strip().partition(":")[0]
    if name not in types:
        raise _bad(str(spec), f"unknown provider {name!r}", types.values())
    return types[name]


def parse_model_spec(spec: str) -> ModelSpec:
    """Return the ModelSpec `spec` names, or raise InvalidInput quoting it."""
    kind = provider_type(spec)
    try:
        return kind.parse(spec.strip().partition(":")[2])
    except ValueError as exc:
        raise _bad(spec, str(exc), provider_types().values()) from None


def load_model(spec: str | ModelSpec, settings: Settings) -> ModelProvider:
    """Return the provider `spec` names, configured by `settings`."""
    parsed = spec if isinstance(spec, ModelSpec) else parse_model_spec(spec)
    return provider_type(parsed).build(parsed, settings)


@contextmanager
def loaded_models(specs: Iterable[str], settings: Settings) -> Iterator[dict[str, ModelProvider]]:
    """Yield one provider per distinct spec of `specs`, each closed when the block ends."""
    with ExitStack() as stack:
        yield {
            spec: stack.enter_context(closing(load_model(spec, settings)))
            for spec in dict.fromkeys(specs)
        }


def calls_in_flight(spec: str, wanted: int) -> int:
    """Return how many generations of model `spec` may run at once: `wanted` for a model behind
    an API (the work is waiting), one for a model computing in this process (the offline
    sampler, llama.cpp), where more would only fight over the cores."""
    return max(1, wanted) if getattr(provider_type(spec), "remote", False) else 1
