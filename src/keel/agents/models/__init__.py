"""Model providers behind one interface: offline grounded sampler, OpenAI-compatible, llama.cpp."""

from keel.agents.models.generation import (
    Generation,
    GenerationRequest,
    Message,
    ModelError,
    ModelProvider,
    ToolCallRequest,
    ToolSpec,
)
from keel.agents.models.spec import ModelSpec, load_model, loaded_models, parse_model_spec

__all__ = [
    "Generation",
    "GenerationRequest",
    "Message",
    "ModelError",
    "ModelProvider",
    "ModelSpec",
    "ToolCallRequest",
    "ToolSpec",
    "load_model",
    "loaded_models",
    "parse_model_spec",
]
