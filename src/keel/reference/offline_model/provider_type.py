"""The `offline` model spec: `offline` or `offline:grounded-sampler`, the offline default."""

from __future__ import annotations

from keel.core.settings import Settings
from keel.models.provider import ModelProvider
from keel.models.registry import ModelSpec
from keel.reference.offline_model import MODEL_NAME


class OfflineType:
    """Builds the grounded sampler; it answers structured tasks only, not free-form chat."""

    name = "offline"
    usage = "offline"
    chat = False

    def parse(self, rest: str) -> ModelSpec:
        if rest not in ("", MODEL_NAME):
            raise ValueError(f"the offline provider has one model, {MODEL_NAME}")
        return ModelSpec(self.name, MODEL_NAME)

    def build(self, spec: ModelSpec, settings: Settings) -> ModelProvider:
        from keel.reference.offline_model.grounded_sampler import GroundedSampler

        return GroundedSampler(settings.embedder)
